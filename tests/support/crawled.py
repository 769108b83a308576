"""Archives of first crawls, shared by the tests that go on from the same first crawl.

A first crawl of the fixture site into an empty SQLite archive runs once per test process for
each set of arguments; every test then gets a copy of that archive file of its own to change.
"""

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Protocol

from tests.support.cli import run_citynews


class Site(Protocol):
    url: str

    def stop(self) -> None: ...


class CrawledArchives:
    """First crawls of a freshly started fixture site, each run once, copied for each test."""

    def __init__(self, folder: Path, start_site: Callable[[], Site]) -> None:
        self.folder = folder
        self.start_site = start_site
        self.crawled: dict[tuple[str, ...], Path] = {}

    def copy(self, to: Path, *args: str) -> str:
        """A SQLite archive at `to` holding what `citynews crawl --site-url SITE --db ARCHIVE
        *args` of a freshly started fixture site archives into an empty archive; its URL."""
        if args not in self.crawled:
            self.crawled[args] = self.first_crawl(args)
        return copy_archive(self.crawled[args], to)

    def first_crawl(self, args: tuple[str, ...]) -> Path:
        workdir = self.folder / f"crawl-{len(self.crawled)}"
        workdir.mkdir()
        path = workdir / "archive.sqlite3"
        self.crawl_into(f"sqlite:///{path}", workdir, *args)
        return path

    def crawl_into(self, db_url: str, workdir: Path, *args: str) -> None:
        """`citynews crawl --site-url SITE --db db_url *args` of a freshly started fixture site,
        which must succeed."""
        site = self.start_site()
        try:
            run = run_citynews("crawl", "--site-url", site.url, "--db", db_url, *args, cwd=workdir)
        finally:
            site.stop()
        assert run.returncode == 0, run.stderr


def copy_archive(source: Path, to: Path) -> str:
    """A copy of the SQLite archive at `source` (its WAL included) at `to`; the copy's URL."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(to)) as copy:
        original.backup(copy)
    return f"sqlite:///{to}"

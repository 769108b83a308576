"""Parsing in worker processes: the same archive as parsing in the spider; no worker outlives
its crawl, even one killed with SIGKILL."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CLI_ENV, SiteServer, run_citynews
from tests.site import content
from tests.support.cli import run_main

pytestmark = pytest.mark.e2e
VOLATILE = ("first_seen_at", "last_fetched_at")


def crawl_and_export(site: SiteServer, folder: Path, workers: int) -> tuple[list[dict], list]:
    """The articles a crawl archived, and the fetches it recorded (both without times)."""
    folder.mkdir()
    db_url = f"sqlite:///{folder / 'archive.sqlite3'}"
    setting = f"CITYNEWS_PARSE_WORKERS={workers}"
    crawl = run_citynews("crawl", "--site-url", site.url, "--db", db_url, "-s", setting, cwd=folder)
    assert crawl.returncode == 0, crawl.stderr
    export = run_main("export", "--format", "json", "--out", "-", "--db", db_url, cwd=folder)
    assert export.returncode == 0, export.stderr
    records = json.loads(export.stdout)
    articles = [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]
    with sqlite3.connect(folder / "archive.sqlite3") as connection:
        fetches = connection.execute(
            "SELECT url, requested_url, kind, status, ok, error, redirected_from, ignored"
            " FROM fetches ORDER BY url, kind, status"
        ).fetchall()
    return articles, fetches


def test_parsing_in_workers_archives_what_parsing_in_the_spider_does(
    site: SiteServer, tmp_path: Path
) -> None:
    in_spider, fetches_in_spider = crawl_and_export(site, tmp_path / "spider", 0)
    in_workers, fetches_in_workers = crawl_and_export(site, tmp_path / "workers", 2)
    assert len(in_workers) == len(content.EXPECTED_ARTICLES)
    assert in_workers == in_spider
    assert sum(kind == "article" for _, _, kind, *_ in fetches_in_workers) >= len(in_workers)
    assert fetches_in_workers == fetches_in_spider


def workers_of(folder: Path) -> list[str]:
    """Parsing processes started for a crawl run in folder (their command line names it)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "forkserver" in text and str(folder) in text:
            found.append(text)
    return found


def start_crawl(site: SiteServer, folder: Path) -> subprocess.Popen:
    """A crawl of the fixture site into folder, started in the background."""
    db_url = f"sqlite:///{folder / 'archive.sqlite3'}"
    return subprocess.Popen(
        [sys.executable, "-m", "citynews", "crawl", "--site-url", site.url, "--db", db_url],
        cwd=folder,
        env=CLI_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_no_parsing_process_outlives_a_crawl_killed_with_sigkill(
    site: SiteServer, tmp_path: Path
) -> None:
    site.change(delay=0.5)
    crawl = start_crawl(site, tmp_path)
    deadline = time.monotonic() + 60
    while not workers_of(tmp_path):
        assert time.monotonic() < deadline, "the crawl started no parsing processes"
        time.sleep(0.1)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait(timeout=30)
    deadline = time.monotonic() + 15
    while workers_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers_of(tmp_path) == []


def parsing_pids(folder: Path) -> list[int]:
    """The process ids of the parsing processes of a crawl run in folder (not their server)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
            status = (cmdline.parent / "status").read_text()
        except OSError:
            continue
        parent = int(status.split("PPid:")[1].split()[0])
        if "forkserver" in text and str(folder) in text and parent != 1:
            try:
                parent_text = Path(f"/proc/{parent}/cmdline").read_bytes().decode()
            except OSError:
                continue
            name = status.split("Name:")[1].split()[0]  # forked by the server: the writer, or
            if "forkserver" in parent_text and name == "citynews-parse":  # a parsing process
                pids.append(int(cmdline.parent.name))
    return pids


def test_a_crawl_whose_parsing_process_dies_archives_every_article(
    site: SiteServer, tmp_path: Path
) -> None:
    site.change(delay=0.3)
    crawl = start_crawl(site, tmp_path)
    deadline = time.monotonic() + 60
    while len(parsing_pids(tmp_path)) < 2:
        assert crawl.poll() is None, crawl.stderr.read() if crawl.stderr else ""
        assert time.monotonic() < deadline, "the crawl started no parsing processes"
        time.sleep(0.05)
    os.kill(parsing_pids(tmp_path)[0], signal.SIGKILL)
    site.change(delay=0)
    try:
        status = crawl.wait(timeout=120)
    finally:
        crawl.kill()  # a crawl that hangs must not outlive the test
    assert status == 0, crawl.stderr.read() if crawl.stderr else ""
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    export = run_main("export", "--format", "json", "--out", "-", "--db", db_url, cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    assert len(json.loads(export.stdout)) == len(content.EXPECTED_ARTICLES)

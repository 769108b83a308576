"""No process of a killed command lives on: not reparse's parsing processes, not the crawl's
parsing pool or writer; the next crawl starts at once. Real commands, real signals."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import CLI_ENV, SiteServer, run_citynews
from tests.support.crawled import CrawledArchives
from tests.test_archive_writer import command_line
from tests.test_crawl_processes import archived, wait_for

COPIES = 40  # the fixture site's articles, 40 times over: reparse runs its worker processes


def tagged(tag: str) -> list[int]:
    """The running processes started under this tag (it is in their environment)."""
    marker = f"CITYNEWS_TEST_TAG={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # ended meanwhile, or not ours
            continue
        if marker in environment and state != "Z":
            found.append(int(entry.name))
    return found


def start(tag: str, cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "citynews", *args],
        cwd=cwd,
        env={**CLI_ENV, "CITYNEWS_TEST_TAG": tag},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(command: subprocess.Popen, tag: str, processes: int, stop: signal.Signals) -> None:
    """Send stop to the command alone once it runs `processes` processes in all; it must be
    running then (the signal ends it, not its own end)."""
    try:
        wait_for(
            lambda: len(tagged(tag)) >= processes or command.poll() is not None,
            f"{processes} processes of the command",
        )
        assert command.poll() is None, command.stderr.read() if command.stderr else ""
        command.send_signal(stop)
        assert command.wait(timeout=30) == -stop
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()


def assert_nothing_left(tag: str) -> None:
    try:
        wait_for(lambda: not tagged(tag), "every process of the killed command to end", 30)
    except AssertionError:
        left = [(pid, command_line(pid)) for pid in tagged(tag)]
        raise AssertionError(f"still running: {left}") from None
    finally:
        for pid in tagged(tag):  # a failing run must not leave them to the next tests
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def big_archive(
    crawled_archives: CrawledArchives, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A SQLite archive of the fixture site's articles, each stored 40 times under other URLs."""
    path = tmp_path_factory.mktemp("big") / "archive.sqlite3"
    crawled_archives.copy(path)
    with sqlite3.connect(path) as connection:
        for table in ("articles", "raw_pages"):
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            copied = [name for name in columns if name != "id"]
            values = ["url || '?copy=' || :copy" if name == "url" else name for name in copied]
            for copy in range(1, COPIES):
                connection.execute(
                    f"INSERT INTO {table} ({', '.join(copied)}) "
                    f"SELECT {', '.join(values)} FROM {table} WHERE url NOT LIKE '%?copy=%'",
                    {"copy": copy},
                )
    return path


@pytest.mark.e2e
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGHUP])
def test_no_parsing_process_outlives_a_killed_reparse(
    stop: signal.Signals, big_archive: Path, site: SiteServer, tmp_path: Path
) -> None:
    shutil.copy(big_archive, tmp_path / "archive.sqlite3")
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    tag = uuid.uuid4().hex
    reparse = start(tag, tmp_path, "reparse", "--db", db_url)
    kill_when(reparse, tag, 3, stop)  # reparse and two parsing processes
    assert_nothing_left(tag)
    # the copies are not on the site: only new articles are fetched
    crawl = run_citynews("crawl", "--site-url", site.url, "--db", db_url,
                         "--refresh-days", "0", "--revisit-days", "0", cwd=tmp_path)  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGHUP])
def test_no_parsing_or_writing_process_outlives_a_killed_crawl(
    stop: signal.Signals, site: SiteServer, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    tag = uuid.uuid4().hex
    site.change(delay=0.5)
    crawl = start(tag, tmp_path, "crawl", "--site-url", site.url, "--db", db_url, "--full",
                  "-s", "CITYNEWS_PARSE_WORKERS=2")  # fmt: skip
    try:
        wait_for(lambda: archived(db_url) >= 3 or crawl.poll() is not None, "archived articles")
        # the crawl, its fork server, the writer and the two parsing processes
        kill_when(crawl, tag, 5, stop)
    finally:
        site.change(delay=0)
    assert_nothing_left(tag)
    rerun = run_citynews("crawl", "--site-url", site.url, "--db", db_url, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr

"""The crawl's writer process (scraper/runtime/writer_process.py): real crawls, real processes."""

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import SiteServer, run_citynews
from tests.site import content
from tests.test_crawl_processes import archived, start_crawl, wait_for
from tests.test_hostile_site import NOW, rejected_urls

pytestmark = pytest.mark.e2e


def children(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """The processes pid started, and theirs (the fork server starts a crawl's helpers)."""
    found = children(pid)
    for child in list(found):
        found += descendants(child)
    return found


def writers_of(pid: int) -> list[int]:
    """The writer processes a crawl started (the name they show in ps)."""
    return [child for child in descendants(pid) if process_name(child) == "citynews-writer"]


def process_name(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Whether pid runs (a zombie has ended: only its exit status is left)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_writer_process_yields_the_cpu_and_ends_with_a_killed_crawl(
    site: SiteServer, db_url: str, tmp_path: Path
) -> None:
    site.change(delay=0.5)
    crawl = start_crawl(site, db_url, tmp_path, "--full")
    try:
        wait_for(lambda: archived(db_url) >= 3, "three archived articles")
        writers = writers_of(crawl.pid)
        assert len(writers) == 1, [command_line(pid) for pid in descendants(crawl.pid)]
        (writer,) = writers
        assert os.getpriority(os.PRIO_PROCESS, writer) >= 10
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=30)
        wait_for(lambda: not alive(writer), "the writer process to end", timeout=5)
        kept = archived(db_url)
        time.sleep(1.5)  # the crawl had fetched more pages; none may be committed now
        assert archived(db_url) == kept
    finally:
        site.change(delay=0)
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()


def test_refused_pages_are_logged_in_the_crawl_log(site: SiteServer, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    site.change(hostile="maintenance")
    run = run_citynews(
        "crawl", "--site-url", site.url, "--db", sqlite_url, "-s", f"CITYNEWS_NOW={NOW}",
        "--section", "novosti-tos", "--verbose", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 3
    refused = rejected_urls(sqlite_url)
    assert len(refused) > 5
    warnings = [line for line in run.stderr.splitlines() if "WARNING" in line]
    for url in refused:
        assert any(f"{url}: not an article page" in line for line in warnings), url


def test_a_writer_process_that_dies_stops_the_crawl_with_its_reason(
    site: SiteServer, tmp_path: Path
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    site.change(delay=0.5)
    crawl = start_crawl(site, sqlite_url, tmp_path, "--full")
    try:
        wait_for(lambda: archived(sqlite_url) >= 3, "three archived articles")
        (writer,) = writers_of(crawl.pid)
        os.kill(writer, signal.SIGKILL)
        _, stderr = crawl.communicate(timeout=120)
    finally:
        site.change(delay=0)
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 1, stderr
    assert "the archive writer process ended" in stderr
    assert "Traceback" not in stderr
    kept = archived(sqlite_url)
    assert kept >= 3
    rerun = run_citynews("crawl", "--site-url", site.url, "--db", sqlite_url, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert archived(sqlite_url) == len(content.EXPECTED_ARTICLES)

"""Crawls as cron runs them: overlapping runs, SIGKILL in mid-backfill, SIGTERM; real processes."""

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SiteServer, run_citynews
from tests.site import content
from tests.support.cli import LaunchedCommand, start_citynews

pytestmark = pytest.mark.e2e
TOTAL = len(content.EXPECTED_ARTICLES)


def start_crawl(site: SiteServer, db_url: str, cwd: Path, *extra: str) -> LaunchedCommand:
    """`citynews crawl` started in a process of its own; it runs while the test goes on."""
    return start_citynews("crawl", "--site-url", site.url, "--db", db_url, *extra, cwd=cwd)


def scalar(db_url: str, sql: str):
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def column(db_url: str, sql: str) -> list:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())
    finally:
        engine.dispose()


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def archived(db_url: str) -> int:
    try:
        return scalar(db_url, "SELECT count(*) FROM articles") or 0
    except Exception:  # the schema may not exist yet
        return 0


def running_runs(db_url: str) -> int:
    try:
        return scalar(db_url, "SELECT count(*) FROM crawl_runs WHERE outcome = 'running'") or 0
    except Exception:  # the schema may not exist yet
        return 0


def test_a_second_crawl_exits_75_while_one_runs(site: SiteServer, db_url: str, tmp_path) -> None:
    site.change(delay=300)  # articles wait until the second crawl has tried
    first = start_crawl(site, db_url, tmp_path, "-s", "DOWNLOAD_TIMEOUT=300")
    try:
        wait_for(lambda: running_runs(db_url) == 1, "the first crawl to start its run")
        second = run_citynews("crawl", "--site-url", site.url, "--db", db_url, cwd=tmp_path)
        assert second.returncode == 75, second.stderr
        assert "another crawl is running on this archive" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None
    finally:
        site.change(delay=0)
        first.wait(timeout=120)
    assert first.returncode == 0, first.stderr
    assert archived(db_url) == TOTAL
    assert scalar(db_url, "SELECT count(*) FROM crawl_runs") == 1


def test_a_backfill_killed_with_sigkill_resumes_without_refetching(
    site: SiteServer, db_url: str, tmp_path
) -> None:
    site.change(delay=0.5)
    crawl = start_crawl(site, db_url, tmp_path, "--full")
    wait_for(lambda: archived(db_url) >= 10, "ten archived articles")
    crawl.send_signal(signal.SIGKILL)
    crawl.wait(timeout=30)
    before_kill = scalar(db_url, "SELECT count(*) FROM articles")
    assert 10 <= before_kill < TOTAL
    engine = create_engine(db_url)
    with engine.connect() as connection:
        kept = {row.url for row in connection.execute(text("SELECT url FROM articles"))}
    engine.dispose()

    site.change(delay=0)
    site.clear_requests()
    # Revisit off: any archived article requested again would be the resume's doing.
    rerun = run_citynews(
        "crawl", "--site-url", site.url, "--db", db_url, "--revisit-days", "0", cwd=tmp_path
    )
    assert rerun.returncode == 0, rerun.stderr
    assert scalar(db_url, "SELECT count(*) FROM articles") == TOTAL
    assert scalar(db_url, "SELECT count(DISTINCT url) FROM articles") == TOTAL
    requested = {r.split("?")[0].rstrip("/") for r in site.requests()}
    refetched = {url for url in kept if url.removeprefix(content.HOST) in requested}
    assert refetched == set()
    assert column(db_url, "SELECT outcome FROM crawl_runs ORDER BY id") == ["killed", "completed"]


def test_sigterm_stops_cleanly_and_records_an_interrupted_run(
    site: SiteServer, db_url: str, tmp_path
) -> None:
    site.change(delay=1.0)
    crawl = start_crawl(site, db_url, tmp_path, "--full")
    wait_for(lambda: archived(db_url) >= 3, "three archived articles")
    crawl.send_signal(signal.SIGTERM)
    _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 130, stderr
    assert "stopped before it finished" in stderr
    assert scalar(db_url, "SELECT outcome FROM crawl_runs") == "interrupted"
    assert (
        scalar(db_url, "SELECT count(*) FROM articles WHERE title IS NULL OR body_text = ''") == 0
    )
    site.change(delay=0)
    rerun = start_crawl(site, db_url, tmp_path)
    rerun.communicate(timeout=300)
    assert rerun.returncode == 0
    assert scalar(db_url, "SELECT count(*) FROM articles") == TOTAL

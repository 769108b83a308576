"""Every request a crawl makes ends as a fetch row: dropped, refused, waited for or fetched."""

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.settings import Settings
from sqlalchemy import create_engine, text

from citynews.cli import main
from scraper.dropped_requests import START, Ledger, drop_reason
from scraper.retry_after import retry_after_seconds
from tests.conftest import SiteServer
from tests.conftest import run_citynews as citynews
from tests.site import content
from tests.support.crawled import CrawledArchives

NOW = "2025-11-21T12:00:00+03:00"
LONG_SLUG = "dlinnyj-adres-" + "o" * 2440  # an article URL of more than 2,500 characters


def crawl(site: SiteServer, db_url: str, workdir: Path, *args: str) -> None:
    """One `citynews crawl` of the novosti section, time frozen after its newest article."""
    result = citynews(
        "crawl", "--site-url", site.url, "--db", db_url, "--section", "novosti",
        "-s", f"CITYNEWS_NOW={NOW}", *args, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def fetch_rows(db_url: str, url: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT ok, ignored, error FROM fetches WHERE url = :url ORDER BY id")
            return list(connection.execute(query, {"url": url}).all())
    finally:
        engine.dispose()


def archived(db_url: str, url: str) -> bool:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM articles WHERE url = :url")
            return bool(connection.execute(query, {"url": url}).scalar())
    finally:
        engine.dispose()


def failed_list(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["status", "--failed", "--db", db_url]) == 0
    return capsys.readouterr().out


@pytest.mark.e2e
@pytest.mark.postgres
def test_an_article_url_too_long_for_scrapy_is_a_failed_fetch_retried_next_run(
    site: SiteServer, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.change(
        publish=[{"section": "novosti", "slug": LONG_SLUG, "title": "Длинный адрес",
                  "when": "2025-11-21 10:00", "paragraphs": ["Текст новости."]}]
    )  # fmt: skip
    long_url = content.HOST + content.NOVOSTI + LONG_SLUG
    crawl(site, db_url, tmp_path)
    assert not archived(db_url, long_url)
    [(ok, ignored, error)] = fetch_rows(db_url, long_url)
    assert (ok, ignored) == (False, False)
    assert "URLLENGTH_LIMIT (2083)" in error
    assert long_url in failed_list(db_url, capsys)

    crawl(site, db_url, tmp_path)  # asked again from the start, and dropped again
    assert [ok for ok, _, _ in fetch_rows(db_url, long_url)] == [False, False]

    crawl(site, db_url, tmp_path, "-s", "URLLENGTH_LIMIT=5000")
    assert archived(db_url, long_url)
    assert long_url not in failed_list(db_url, capsys)


@pytest.mark.e2e
def test_a_page_robots_txt_forbids_is_recorded_and_not_a_failure(
    crawled_archives: CrawledArchives, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = crawled_archives.copy(tmp_path / "archive.sqlite3", "-s", f"CITYNEWS_NOW={NOW}")
    forbidden = content.HOST + content.ROBOTS_DISALLOWED_PATH
    assert fetch_rows(db_url, forbidden) == [(False, True, "not fetched: Forbidden by robots.txt")]
    assert forbidden not in failed_list(db_url, capsys)


def test_the_ledger_names_the_requests_dropped_between_those_that_came_out() -> None:
    made = [Request(f"https://www.smoladmin.ru/{n}") for n in range(5)]
    ledger = Ledger()
    for request in made:
        ledger.made(7, request)
    assert ledger.came_out(7, made[0]) == []
    assert ledger.came_out(7, made[3]) == [made[1], made[2]]
    assert ledger.came_out(7, made[4].replace(headers={"Referer": "x"})) == []
    assert ledger.finished(7) == []


def test_the_ledger_counts_what_never_came_out_once_the_output_ends() -> None:
    made = [Request(f"https://www.smoladmin.ru/{n}") for n in range(3)]
    ledger = Ledger()
    for request in made:
        ledger.made(START, request)
    assert ledger.came_out(START, made[0]) == []
    assert ledger.finished(START) == [made[1], made[2]]
    assert ledger.finished(START) == []


def test_drop_reasons_name_the_setting_that_dropped_the_request() -> None:
    settings = Settings({"URLLENGTH_LIMIT": 100, "DEPTH_LIMIT": 2})
    long_url = Request("https://www.smoladmin.ru/" + "a" * 200)
    assert "225 characters, more than URLLENGTH_LIMIT (100)" in drop_reason(long_url, settings)
    deep = Request("https://www.smoladmin.ru/a", meta={"depth": 3})
    assert drop_reason(deep, settings) == "not fetched: deeper than DEPTH_LIMIT (2)"
    other = Request("https://www.smoladmin.ru/a")
    assert drop_reason(other, settings) == "not fetched: dropped by a spider middleware"


def article_paths(requests: list[str]) -> list[str]:
    """The article pages among requested paths (not robots.txt, not listing pages)."""
    return [
        path for path in requests
        if path.startswith(content.NOVOSTI) and path.rstrip("/") != content.NOVOSTI.rstrip("/")
        and "/page/" not in path and "?" not in path
    ]  # fmt: skip


def failures(db_url: str) -> list[tuple[str, int | None, str]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT url, status, error FROM fetches WHERE NOT ok AND NOT ignored")
            return list(connection.execute(query).all())
    finally:
        engine.dispose()


@pytest.mark.e2e
def test_a_retry_after_past_the_cap_is_not_waited_for_and_is_asked_again_next_run(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    site.change(hostile={"mode": "rate_limited", "seconds": 100000})
    crawl(site, db_url, tmp_path)
    asked = article_paths(site.requests())
    assert asked
    assert len(asked) == len(set(asked))  # each asked once: no retry within the run
    failed = failures(db_url)
    assert len(failed) == len(asked)
    for _url, status, error in failed:
        assert status == 429
        assert (
            "Retry-After 100000 s is more than the 600 s left of CITYNEWS_RETRY_AFTER_MAX" in error
        )
    listed = failed_list(db_url, capsys)
    assert all(url in listed for url, _, _ in failed)

    site.change(hostile=None)
    site.clear_requests()
    crawl(site, db_url, tmp_path)
    asked_again = {content.HOST + path.rstrip("/") for path in article_paths(site.requests())}
    assert {url for url, _, _ in failed} <= asked_again
    not_archived = {url for url, _, _ in failed if not archived(db_url, url)}
    # the site's own 404, and a page archived under the address it redirects to
    assert not_archived == {
        content.HOST + content.NOT_FOUND_PATH,
        content.HOST + content.REDIRECT_FROM,
    }
    assert archived(db_url, content.HOST + content.REDIRECT_TO)


@pytest.mark.e2e
@pytest.mark.parametrize("http_date", [False, True], ids=["seconds", "http-date"])
def test_a_retry_after_within_the_cap_is_waited_for(
    site: SiteServer, tmp_path: Path, http_date: bool
) -> None:
    """The site answers 429 again to a request that comes sooner than it asked: the pages are
    archived only if the crawl waited, and then each is asked twice (a crawl that did not wait
    would retry at once, up to RETRY_TIMES)."""
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    site.change(hostile={"mode": "rate_limited", "seconds": 1, "http_date": http_date})
    crawl(site, db_url, tmp_path)
    asked = article_paths(site.requests())
    assert asked
    assert set(Counter(asked).values()) == {2}
    assert [status for _, status, _ in failures(db_url)] == [404]  # the site's own 404
    not_archived = {
        url for url in {content.HOST + path.rstrip("/") for path in asked}
        if not archived(db_url, url)
    }  # fmt: skip
    assert not_archived == {
        content.HOST + content.NOT_FOUND_PATH,
        content.HOST + content.REDIRECT_FROM,
    }
    assert archived(db_url, content.HOST + content.REDIRECT_TO)


@pytest.mark.e2e
def test_waits_past_what_is_left_of_the_run_s_budget_are_not_taken(
    site: SiteServer, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    site.change(hostile={"mode": "rate_limited", "seconds": 3})
    crawl(site, db_url, tmp_path, "-s", "CITYNEWS_RETRY_AFTER_MAX=1")
    failed = failures(db_url)
    assert failed
    assert all("CITYNEWS_RETRY_AFTER_MAX (1 s): asked again next run" in e for _, _, e in failed)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sat, 21 Nov 2026 12:01:30 GMT", 90.0),
        ("Sat, 21 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        ("-5", None),
    ],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now) == seconds

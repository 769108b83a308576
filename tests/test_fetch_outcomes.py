"""Every request a crawl makes ends as a fetch row: dropped, refused, waited for or fetched."""

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.settings import Settings
from sqlalchemy import create_engine, text

from citynews.cli import main
from scraper.dropped_requests import START, Ledger, drop_reason
from tests.conftest import SiteServer
from tests.conftest import run_citynews as citynews
from tests.site import content

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
def test_an_article_url_too_long_for_scrapy_is_a_failed_fetch_retried_next_run(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
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

    crawl(site, db_url, tmp_path, "-s", "URLLENGTH_LIMIT=5000")
    assert archived(db_url, long_url)
    assert long_url not in failed_list(db_url, capsys)


@pytest.mark.e2e
def test_a_page_robots_txt_forbids_is_recorded_and_not_a_failure(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    result = citynews(
        "crawl", "--site-url", site.url, "--db", db_url, "-s", f"CITYNEWS_NOW={NOW}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
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

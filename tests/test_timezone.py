"""The site's time zone: the project setting, or $CITYNEWS_TIMEZONE for every command."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.articles import save_article
from archive.db import open_archive, session_scope
from tests.conftest import SiteServer
from tests.support.cli import CliResult, run_citynews, run_main
from tests.support.records import article_record

URL = "https://www.smoladmin.ru/press-centr/novosti/polnoch"
# 23:30 in Moscow is already 01:30 the next day in Yekaterinburg (+05:00).
PUBLISHED = datetime(2025, 4, 10, 23, 30, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    sessions = open_archive(db_url)
    record = article_record(
        URL,
        title="Ночное заседание",
        body_text="Заседание закончилось за полночь.",
        published_at=PUBLISHED,
        views=42,
    )
    with session_scope(sessions) as session:
        save_article(session, record, None)
    sessions.kw["bind"].dispose()
    return db_url


def citynews(*args: str, cwd: Path, zone: str | None) -> CliResult:
    """A command run with $CITYNEWS_TIMEZONE set to zone (None: unset)."""
    return run_main(*args, cwd=cwd, env={"CITYNEWS_TIMEZONE": zone})


def exported(db_url: str, cwd: Path, zone: str | None, *filters: str) -> list[dict]:
    result = citynews("export", "--format", "jsonl", "--out", "-", "--db", db_url, *filters,
                      cwd=cwd, zone=zone)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_without_the_variable_times_are_in_moscow(db_file: str, tmp_path: Path) -> None:
    (record,) = exported(db_file, tmp_path, None)
    assert record["published_at"] == "2025-04-10T23:30:00+03:00"


def test_export_search_and_show_use_the_zone_of_the_variable(db_file: str, tmp_path) -> None:
    zone = "Asia/Yekaterinburg"
    (record,) = exported(db_file, tmp_path, zone)
    assert record["published_at"] == "2025-04-11T01:30:00+05:00"
    search = citynews("search", "заседание", "--format", "json", "--db", db_file,
                      cwd=tmp_path, zone=zone)  # fmt: skip
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["published_at"].startswith("2025-04-11T01:30")
    show = citynews("show", URL, "--db", db_file, cwd=tmp_path, zone=zone)
    assert show.returncode == 0, show.stderr
    assert "2025-04-11" in show.stdout
    assert "01:30" in show.stdout
    assert "2025-04-10" not in show.stdout


def test_day_filters_are_days_of_the_zone(db_file: str, tmp_path: Path) -> None:
    day = ("--since", "2025-04-11", "--until", "2025-04-11")
    assert exported(db_file, tmp_path, None, *day) == []
    assert len(exported(db_file, tmp_path, "Asia/Yekaterinburg", *day)) == 1


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "csv", "--out", "-"],
        ["search", "заседание"],
        ["show", URL],
        ["stats"],
        ["history", URL],
        ["report", "--since", "2025-04-01", "--until", "2025-04-30", "--out", "r.html"],
        ["reparse"],
        ["crawl", "--site-url", "http://127.0.0.1:9"],
    ],
)
def test_a_bad_zone_is_one_line_and_status_2(command, db_file: str, tmp_path: Path) -> None:
    result = citynews(*command, "--db", db_file, cwd=tmp_path, zone="Mars/Olympus")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "citynews: error: $CITYNEWS_TIMEZONE: unknown time zone 'Mars/Olympus' "
        "(expected e.g. Europe/Moscow)"
    ]
    assert not (tmp_path / "r.html").exists()


@pytest.mark.e2e
def test_a_crawl_reads_the_site_in_the_zone_of_the_variable(tmp_path: Path) -> None:
    site = SiteServer()
    published: dict[str | None, dict[str, datetime]] = {}
    try:
        for zone in (None, "Asia/Yekaterinburg"):
            db_url = f"sqlite:///{tmp_path / f'{zone is None}.sqlite3'}"
            crawl = run_citynews("crawl", "--site-url", site.url, "--section", "meropriyatiya",
                                 "--db", db_url, cwd=tmp_path,
                                 env={"CITYNEWS_TIMEZONE": zone})  # fmt: skip
            assert crawl.returncode == 0, crawl.stderr
            published[zone] = {
                record["url"]: datetime.fromisoformat(record["published_at"])
                for record in exported(db_url, tmp_path, None)
                if record["published_at"]
            }
    finally:
        site.stop()
    moscow, yekaterinburg = published[None], published["Asia/Yekaterinburg"]
    assert moscow
    assert moscow.keys() == yekaterinburg.keys()
    # The same printed time (or day) is two hours earlier in Yekaterinburg than in Moscow.
    assert {moscow[url] - yekaterinburg[url] for url in moscow} == {timedelta(hours=2)}

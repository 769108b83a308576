"""One clock for people: every time a person reads is in the site's time zone and says so, a
day-only value is a day, and since/until are the site's days in the CLI and in Datasette."""

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from datasette.app import Datasette

from archive.articles import save_article
from archive.crawl_records import ArticleRecord
from archive.db import open_archive, session_scope
from archive.models import CrawlRun
from citynews.cli import main
from citynews.datasette.metadata import metadata
from citynews.serving import PLUGINS

MSK = ZoneInfo("Europe/Moscow")
HOST = "https://www.smoladmin.ru/press-centr/novosti/"
# Around the day 2024-05-23 in Moscow (UTC+3): which day each is depends on the clock.
ARTICLES = {
    "night": (datetime(2024, 5, 23, 2, 1, tzinfo=MSK), "minute"),  # 2024-05-22 23:01 UTC
    "day-only": (datetime(2024, 5, 23, tzinfo=MSK), "date"),  # 2024-05-22 21:00 UTC
    "late-before": (datetime(2024, 5, 22, 23, 59, tzinfo=MSK), "minute"),
    "just-after": (datetime(2024, 5, 24, 0, 30, tzinfo=MSK), "minute"),  # 2024-05-23 21:30 UTC
    "noon": (datetime(2024, 5, 23, 12, 0, tzinfo=MSK), "minute"),
}


def record(slug: str, published_at: datetime, precision: str, views: int = 10) -> ArticleRecord:
    return ArticleRecord(
        url=HOST + slug,
        section="novosti",
        fetched_url=HOST + slug,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        title=f"Мост: {slug}",
        body_text="Ремонт моста.",
        published_at=published_at,
        published_precision=precision,
        published_source="meta-line",
        views=views,
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite3"
    sessions = open_archive(f"sqlite:///{path}")
    with session_scope(sessions) as session:
        run = CrawlRun(
            started_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
            finished_at=datetime(2026, 1, 1, 0, 7, tzinfo=UTC),
            mode="incremental",
            outcome="completed",
            site_url="https://www.smoladmin.ru",
        )
        session.add(run)
        session.flush()
        for slug, (published_at, precision) in ARTICLES.items():
            save_article(session, record(slug, published_at, precision), run)
    sessions.kw["bind"].dispose()
    return path


def cli(capsys, *args: str) -> str:
    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


def datasette_get(path: Path, page: str) -> tuple[int, str]:
    """A page of the archive served in-process by Datasette with citynews' metadata and plugins,
    in the site's zone ($CITYNEWS_TIMEZONE)."""
    served = Datasette([str(path)], metadata=metadata(path.stem), plugins_dir=str(PLUGINS))

    async def get() -> tuple[int, str]:
        response = await served.client.get(page)
        return response.status_code, response.text

    return asyncio.run(get())


def datasette_rows(path: Path, query: str, **params: str) -> list[dict]:
    status, text = datasette_get(
        path, f"/{path.stem}/{query}.json?" + urlencode({**params, "_shape": "array"})
    )
    assert status == 200, text
    return json.loads(text)


DAYS = [
    ("2024-05-23", "2024-05-23"),
    ("2024-05-22", "2024-05-22"),
    ("2024-05-24", "2024-05-24"),
    ("2024-05-23", "2024-05-24"),
    ("2024-05-23", ""),
    ("", "2024-05-22"),
]


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Asia/Yekaterinburg", "America/New_York"])
@pytest.mark.parametrize(("since", "until"), DAYS)
def test_since_and_until_are_the_same_days_in_the_cli_and_datasette(
    archive: Path, since: str, until: str, zone: str, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CITYNEWS_TIMEZONE", zone)
    bounds = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    out = cli(capsys, "search", "мост", *bounds, "--limit", "100", "--format", "json",
              "--db", f"sqlite:///{archive}")  # fmt: skip
    in_cli = {row["url"] for row in json.loads(out)}
    on_page = datasette_rows(archive, "search", q="мост", since=since, until=until)
    assert {row["url"] for row in on_page} == in_cli
    if (since, until) == ("2024-05-23", "2024-05-23") and zone == "Europe/Moscow":
        assert in_cli == {HOST + slug for slug in ("night", "day-only", "noon")}


def test_datasette_shows_site_times_and_days_and_names_the_zone(archive: Path) -> None:
    rows = datasette_rows(archive, "search", q="мост", since="", until="")
    shown = {row["url"].removeprefix(HOST): row["published (Europe/Moscow)"] for row in rows}
    assert shown == {
        "night": "2024-05-23 02:01",
        "day-only": "2024-05-23",
        "late-before": "2024-05-22 23:59",
        "just-after": "2024-05-24 00:30",
        "noon": "2024-05-23 12:00",
    }
    # the table page too: local times, labelled, the day alone for a day-only article
    status, page = datasette_get(archive, f"/{archive.stem}/articles")
    assert status == 200
    assert "2024-05-23 02:01 MSK" in page
    assert "2024-05-22 23:01" not in page
    assert ">2024-05-23</td>" in page


# Datasette turns on sqlite3's callback tracebacks, so the refused day is also reported as an
# unraisable exception while the page gets its reason.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_bad_day_on_the_search_page_gets_its_reason(archive: Path) -> None:
    status, text = datasette_get(
        archive, f"/{archive.stem}/search.json?" + urlencode({"q": "мост", "since": "23.05.2024"})
    )
    assert status == 400
    assert "since: expected a date as YYYY-MM-DD, got '23.05.2024'" in text


def test_most_viewed_this_month_is_bounded_by_the_sites_month(tmp_path: Path) -> None:
    now = datetime.now(MSK)
    this_month = date(now.year, now.month, 1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    path = tmp_path / "archive.sqlite3"
    sessions = open_archive(f"sqlite:///{path}")
    with session_scope(sessions) as session:
        for slug, day, hour, views in (
            ("this-month-first-hour", this_month, 0, 10),  # the UTC day before, in UTC
            ("next-month", next_month, 12, 5000),
            ("far-future", date(2031, 1, 1), 12, 9000),
            ("last-month", last_month, 12, 3000),
        ):
            moment = datetime(day.year, day.month, day.day, hour, 30, tzinfo=MSK)
            save_article(session, record(slug, moment, "minute", views), None)
    sessions.kw["bind"].dispose()
    rows = datasette_rows(path, "most_viewed_this_month")
    assert [row["url"].removeprefix(HOST) for row in rows] == ["this-month-first-hour"]
    latest = datasette_rows(path, "latest_per_section")
    assert "far-future" not in {row["url"].removeprefix(HOST) for row in latest}


def test_history_text_and_chart_keep_one_clock(archive: Path, tmp_path: Path, capsys) -> None:
    chart = tmp_path / "views.svg"
    out = cli(capsys, "history", HOST + "night", "--chart", str(chart),
              "--db", f"sqlite:///{archive}")  # fmt: skip
    assert "published: 2024-05-23 02:01 MSK (minute)" in out
    assert "views (1 observation, times Europe/Moscow):" in out
    assert "  2026-01-01 03:00 " in out  # read at 00:00 UTC
    assert "first seen: 2026-01-01 03:00 MSK" in out
    assert "UTC" not in out
    assert "(Europe/Moscow)" in chart.read_text(encoding="utf-8")


def test_a_day_only_article_is_shown_as_its_day(archive: Path, capsys) -> None:
    out = cli(capsys, "show", HOST + "day-only", "--db", f"sqlite:///{archive}")
    assert "published: 2024-05-23 (date)" in out
    out = cli(capsys, "search", "day", "--db", f"sqlite:///{archive}")
    assert " 2024-05-23 · novosti" in out
    assert "00:00" not in out


def test_status_shows_run_times_on_the_sites_clock(archive: Path, monkeypatch, capsys) -> None:
    out = cli(capsys, "status", "--db", f"sqlite:///{archive}")
    assert "last 1 run (times Europe/Moscow):" in out
    assert "2026-01-01 03:00  2026-01-01 03:07" in out
    monkeypatch.setenv("CITYNEWS_TIMEZONE", "Asia/Yekaterinburg")
    out = cli(capsys, "status", "--db", f"sqlite:///{archive}")
    assert "last 1 run (times Asia/Yekaterinburg):" in out
    assert "2026-01-01 05:00  2026-01-01 05:07" in out


def test_inspect_shows_a_day_only_date_as_its_day() -> None:
    from scraper.inspect_page import Inspection, inspection_report

    page = record("day-only", *ARTICLES["day-only"])
    shown = inspection_report(Inspection(page.url, page.url, 200, "text/html", 100, page), MSK)
    published = next(line for line in shown.splitlines() if line.startswith("published_at "))
    assert published.split()[-1] == "2024-05-23"
    page = record("night", *ARTICLES["night"])
    shown = inspection_report(Inspection(page.url, page.url, 200, "text/html", 100, page), MSK)
    published = next(line for line in shown.splitlines() if line.startswith("published_at "))
    assert published.split()[-1] == "2024-05-23T02:01:00+03:00"

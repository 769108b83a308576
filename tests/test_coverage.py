"""Field coverage by publication year and section: `citynews status`, its JSON, and the query
on SQLite and PostgreSQL."""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from archive.coverage import coverage
from archive.db import open_archive, session_scope
from archive.models import Article, CrawlRun, Fetch
from archive.runs import start_run
from citynews.cli import main
from scraper.archive_writer import ArchiveWriter, WriterConfig
from scraper.coverage_gaps import describe_gap
from tests.conftest import ROOT, run_citynews

MSK = ZoneInfo("Europe/Moscow")
FETCHED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def article(
    number: int,
    section: str,
    published: datetime | None,
    *,
    minute: bool = True,
    views: int | None = 100,
    body: str = "Текст новости.",
    updated: datetime | None = None,
    fetched: datetime = FETCHED,
) -> Article:
    return Article(
        url=f"https://www.smoladmin.ru/press-centr/{section}/novost-{number}",
        section=section,
        title=f"Новость {number}",
        body_text=body,
        body_html=f"<p>{body}</p>",
        published_at=published,
        published_precision=("minute" if minute else "date") if published else None,
        published_source="meta-line" if published else None,
        updated_at=updated,
        views=views,
        fetched_url="x",
        first_seen_at=fetched,
        last_fetched_at=fetched,
        last_changed_at=fetched,
    )


def year_of_articles(year: int, section: str, count: int, start: int, **fields) -> list[Article]:  # type: ignore[no-untyped-def]
    """count articles published through the year (Moscow noon), numbered from start."""
    return [
        article(
            start + n, section, datetime(year, 1 + n % 12, 1 + n % 28, 12, 0, tzinfo=MSK), **fields
        )
        for n in range(count)
    ]


def era_archive(session: Session) -> None:
    """novosti: 2016 without view counts, 2018 with dates but no times, 2019 mostly without a
    body, 2017, 2020 and 2021 whole; traffic notices never have a time or views."""
    articles = [
        *year_of_articles(2016, "novosti", 12, 0, views=None),
        *year_of_articles(2017, "novosti", 15, 100, updated=datetime(2017, 5, 1, tzinfo=UTC)),
        *year_of_articles(2018, "novosti", 12, 200, minute=False),
        *year_of_articles(2019, "novosti", 10, 300, body=""),
        *year_of_articles(2019, "novosti", 2, 310),
        *year_of_articles(2020, "novosti", 20, 400),
        *year_of_articles(2021, "novosti", 20, 500),
        *year_of_articles(2017, "dvizhenie-transporta", 15, 600, minute=False, views=None),
        *year_of_articles(2016, "novosti-tos", 4, 700, views=None),
    ]
    session.add_all(articles)


@pytest.fixture
def eras(migrated_db_url: str) -> str:
    sessions = open_archive(migrated_db_url)
    with session_scope(sessions) as session:
        era_archive(session)
    sessions.kw["bind"].dispose()
    return migrated_db_url


def status_rows(output: str) -> dict[tuple[str, str], list[str]]:
    """The coverage table of `status`: (year, section) -> articles and the four cells."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["year", "section"])
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        year, section, *cells = line.split()
        rows[year, section] = cells
    return rows


def test_status_shows_the_years_that_lack_a_field(
    eras: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--db", eras]) == 0
    out = capsys.readouterr().out
    rows = status_rows(out)
    assert out.startswith("archive: ")
    header = next(line for line in out.splitlines() if line.split()[:2] == ["year", "section"])
    assert header.split() == ["year", "section", "articles", "minute", "views", "body", "updated"]
    assert rows["2016", "novosti"] == ["12", "100%", "0%*", "100%", "0%"]
    assert rows["2018", "novosti"] == ["12", "0%*", "100%", "100%", "0%"]
    assert rows["2019", "novosti"] == ["12", "100%", "100%", "17%*", "0%"]
    assert rows["2017", "novosti"] == ["15", "100%", "100%", "100%", "100%"]
    assert rows["2020", "novosti"] == ["20", "100%", "100%", "100%", "0%"]
    # A field a section never shows is not a gap; a group of fewer than 10 is not judged.
    assert rows["2017", "dvizhenie-transporta"] == ["15", "0%", "0%", "100%", "0%"]
    assert rows["2016", "novosti-tos"] == ["4", "100%", "0%", "100%", "0%"]
    assert rows["all", "novosti"] == ["91", "87%", "87%", "89%", "16%"]


def test_status_json_gives_the_coverage_for_monitors(
    eras: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--db", eras, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "archive",
        "lock",
        "articles",
        "coverage",
        "runs",
        "revisit",
        "notifications",
    }
    assert data["lock"] is None
    assert data["articles"]["total"] == 110
    found = data["coverage"]
    assert found["fields"] == ["published_minute", "views", "body", "updated"]
    assert (found["min_share"], found["min_articles"], found["timezone"]) == (
        0.9,
        10,
        "Europe/Moscow",
    )
    groups = {(g["year"], g["section"]): g for g in found["groups"]}
    assert groups[2016, "novosti"]["low"] == ["views"]
    assert groups[2016, "novosti"]["present"]["views"] == 0
    assert groups[2016, "novosti"]["share"]["views"] == 0.0
    assert groups[2016, "novosti"]["articles"] == 12
    assert groups[2018, "novosti"]["low"] == ["published_minute"]
    assert groups[2019, "novosti"]["low"] == ["body"]
    assert groups[2019, "novosti"]["present"]["body"] == 2
    assert [g for g in found["groups"] if g["low"]] == [
        groups[2016, "novosti"],
        groups[2018, "novosti"],
        groups[2019, "novosti"],
    ]
    sections = {s["section"]: s for s in found["sections"]}
    assert sections["novosti"]["has"] == ["published_minute", "views", "body"]
    assert sections["dvizhenie-transporta"]["has"] == ["body"]
    assert sections["novosti"]["articles"] == 91


def test_status_json_of_an_empty_archive(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    open_archive(url).kw["bind"].dispose()
    assert main(["status", "--db", url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coverage"]["groups"] == []
    assert data["articles"]["total"] == 0
    assert main(["status", "--db", url]) == 0
    assert "field coverage: no articles" in capsys.readouterr().out


def test_a_year_is_the_site_time_zone_s_year(db_url: str) -> None:
    sessions = open_archive(db_url)
    new_year_msk = datetime(2017, 1, 1, tzinfo=MSK)
    with session_scope(sessions) as session:
        session.add_all(
            [
                article(1, "novosti", new_year_msk - timedelta(minutes=1)),  # 2016 in Moscow
                article(2, "novosti", new_year_msk),  # 2016-12-31 21:00 UTC: 2017 in Moscow
                article(3, "novosti", new_year_msk + timedelta(hours=2)),
                article(4, "novosti", None),
            ]
        )
    with session_scope(sessions) as session:
        found = coverage(session, MSK)
    sessions.kw["bind"].dispose()
    assert [(g.year, g.articles) for g in found.groups] == [(2016, 1), (2017, 2), (None, 1)]
    assert found.groups[-1].present["published_minute"] == 0


def test_fetched_gaps_count_the_articles_a_run_fetched(db_url: str) -> None:
    sessions = open_archive(db_url)
    run_start = FETCHED + timedelta(days=1)
    with session_scope(sessions) as session:
        era_archive(session)
        session.add_all(
            [
                *year_of_articles(2016, "novosti", 11, 1000, views=None, fetched=run_start),
                *year_of_articles(2022, "novosti", 40, 1100, fetched=run_start),
                *year_of_articles(2018, "novosti", 3, 1200, minute=False, fetched=run_start),
            ]
        )
    with session_scope(sessions) as session:
        found = coverage(session, MSK, fetched_since=run_start)
    sessions.kw["bind"].dispose()
    gaps, lacking, fetched = found.fetched_gaps()
    # 2018's three are too few in this run to judge; 2016's eleven lack views.
    assert [(g.field, g.year, g.section, g.present, g.articles) for g in gaps] == [
        ("views", 2016, "novosti", 0, 11)
    ]
    assert (lacking, fetched) == (11, 54)
    assert describe_gap(gaps[0]).startswith("novosti 2016: views in 0 of 11 articles (0%), while ")


class EraSite:
    """tests/era_site.py, served by a real HTTP server in a subprocess."""

    def __init__(self, current: int, old: int, old_lacks: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.era_site", "--current", str(current), "--old", str(old),
             "--old-lacks", old_lacks, "--port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("LISTENING "):
            self.process.kill()
            raise RuntimeError(f"the era site did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def era_site(current: int, old: int, old_lacks: str) -> Iterator[EraSite]:
    site = EraSite(current, old, old_lacks)
    try:
        yield site
    finally:
        site.stop()


def crawl_novosti(site: EraSite, db_url: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_citynews(
        "crawl", "--site-url", site.url, "--db", db_url, "--section", "novosti", "--full",
        "--verbose", cwd=cwd,
    )  # fmt: skip


def status_json(db_url: str, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["status", "--db", db_url, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.e2e
def test_a_crawl_whose_old_era_lacks_views_warns_and_exits_3(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with era_site(current=30, old=12, old_lacks="views") as site:
        result = crawl_novosti(site, db_url, tmp_path)
    assert result.returncode == 3, result.stderr
    gap = "novosti 2016: views in 0 of 12 articles (0%)"
    logged = [line for line in result.stderr.splitlines() if "WARNING" in line and gap in line]
    assert len(logged) == 1, result.stderr
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("citynews: error")]
    assert "12 of 42 articles fetched lack a field" in error
    assert gap in error
    data = status_json(db_url, capsys)
    run = data["runs"][0]
    assert run["outcome"] == "unhealthy"
    assert gap in run["message"]
    groups = {(g["year"], g["section"]): g for g in data["coverage"]["groups"]}
    assert groups[2016, "novosti"]["low"] == ["views"]
    assert groups[2022, "novosti"]["low"] == []


@pytest.mark.e2e
def test_an_era_under_a_tenth_of_the_run_warns_and_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with era_site(current=100, old=10, old_lacks="time") as site:
        result = crawl_novosti(site, db_url, tmp_path)
    assert result.returncode == 0, result.stderr
    gap = "novosti 2016: published_minute in 0 of 10 articles (0%)"
    lines = result.stderr.splitlines()
    assert [line for line in lines if "WARNING" in line and gap in line], result.stderr
    (warning,) = [line for line in lines if line.startswith("citynews: warning")]
    assert "10 of 110 articles fetched lack a field" in warning
    assert gap in warning
    assert not [line for line in lines if line.startswith("citynews: error")]
    capsys.readouterr()
    assert main(["status", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert status_rows(out)["2016", "novosti"] == ["10", "0%*", "100%", "100%", "0%"]
    assert "run 1: field coverage gap: 10 of 110 articles fetched" in out
    assert "completed" in out


def test_status_failed_as_json(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        for minute, ok, status, error in ((1, True, 200, None), (2, False, 503, "HTTP 503")):
            session.add(
                Fetch(
                    url="https://www.smoladmin.ru/press-centr/novosti/a",
                    requested_url="https://www.smoladmin.ru/press-centr/novosti/a",
                    kind="article",
                    status=status,
                    ok=ok,
                    error=error,
                    fetched_at=datetime(2026, 1, 2, 10, minute, tzinfo=UTC),
                )
            )
    sessions.kw["bind"].dispose()
    assert main(["status", "--failed", "--format", "json", "--db", db_url]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "failed": [
            {
                "url": "https://www.smoladmin.ru/press-centr/novosti/a",
                "fetched_at": "2026-01-02T10:02:00+00:00",
                "status": 503,
                "error": "HTTP 503",
            }
        ]
    }


def test_coverage_reads_indexes_and_no_article_row(tmp_path: Path) -> None:
    """On SQLite a scan of the rows reads every body (published_at is stored after them)."""
    sessions = open_archive(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    with session_scope(sessions) as session:
        era_archive(session)
    engine = sessions.kw["bind"]
    statements: list[tuple[str, tuple]] = []

    def remember(_connection, _cursor, sql, params, *_) -> None:  # type: ignore[no-untyped-def]
        statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", remember)
    with session_scope(sessions) as session:
        coverage(session, MSK, fetched_since=FETCHED)
    event.remove(engine, "before_cursor_execute", remember)
    with engine.connect() as connection:
        plans = [
            [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
            for sql, params in statements
        ]
    engine.dispose()
    steps = [step for plan in plans for step in plan if "articles" in step]
    assert "SCAN articles USING COVERING INDEX ix_articles_coverage" in steps
    assert any("USING INDEX ix_articles_empty_body" in step for step in steps)
    assert all("INDEX" in step for step in steps), steps


def test_the_run_s_message_names_three_gaps_and_the_log_every_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    sessions = open_archive(url)
    with session_scope(sessions) as session:
        run = start_run(session, FETCHED - timedelta(hours=1), "full", "http://127.0.0.1", [])
        for year in range(2010, 2026):
            lacks = {"views": None} if year < 2015 else {}
            session.add_all(year_of_articles(year, "novosti", 12, year * 100, **lacks))
        run_id = run.id
    writer = ArchiveWriter(WriterConfig(url, run_id, "Europe/Moscow", False))
    with session_scope(sessions) as session:
        run = session.get(CrawlRun, run_id)
        outcome, message = writer.coverage_check(session, run, "completed", None)
    writer.close()
    sessions.kw["bind"].dispose()
    assert outcome == "unhealthy"
    assert message.startswith("60 of 192 articles fetched lack a field")
    assert "novosti 2012: views in 0 of 12" in message
    assert "novosti 2013" not in message
    assert "2 more in the crawl log and citynews status" in message
    logged = [line for line in writer.warnings if line.startswith("field coverage gap: novosti")]
    assert len(logged) == 5

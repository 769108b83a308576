"""One record the archive cannot store fails alone: the rest of its batch is saved, and the
failure is a failed fetch with its reason, listed and fetched again next run."""

import importlib.util
import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import citynews.datasette
from archive.articles import save_article
from archive.crawl_records import FetchRecord
from archive.db import open_archive, session_scope
from archive.digest_queries import most_viewed
from archive.models import Article, CrawlRun
from archive.plan import crawl_plan
from archive.runs import start_run
from citynews.datasette.metadata import LATEST_SQL, MOST_VIEWED_SQL
from citynews.reports import failed_urls_report
from scraper.archive_writer import ArchiveWriter, WriterConfig
from tests.test_batch_writes import NEWS, T0, page

MOSCOW = ZoneInfo("Europe/Moscow")


def fetched(slug: str) -> FetchRecord:
    return FetchRecord(
        url=NEWS + slug, requested_url=NEWS + slug, kind="article", ok=True, status=200,
        fetched_at=T0,
    )  # fmt: skip


@pytest.mark.postgres
def test_a_date_the_database_cannot_store_fails_alone_and_is_retried(db_url: str) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        run_id = start_run(session, T0, "incremental", "https://www.smoladmin.ru", ["novosti"]).id
    writer = ArchiveWriter(WriterConfig(db_url, run_id, "Europe/Moscow", False))
    year_one = datetime(1, 1, 1, 0, 0, tzinfo=MOSCOW)  # before year 1 once in UTC
    items = [
        replace(page("pervaya", T0), fetch=fetched("pervaya")),
        replace(page("drevnyaya", T0, published_at=year_one), fetch=fetched("drevnyaya")),
        replace(page("tretya", T0), fetch=fetched("tretya")),
    ]
    try:
        written = writer.write_batch(items)
    finally:
        writer.close()
    assert "citynews/errors" in written[1][0]
    with session_scope(sessions) as session:
        urls = set(session.scalars(select(Article.url)))
        assert urls == {NEWS + "pervaya", NEWS + "tretya"}
        failed = failed_urls_report(session, MOSCOW)
        assert NEWS + "drevnyaya" in failed
        assert "could not be stored: OverflowError" in failed
        run = session.get(CrawlRun, run_id)
        assert run is not None
        assert run.fetch_failures == 1
        assert NEWS + "drevnyaya" in crawl_plan(session, ["novosti"], T0, 14).retry
    sessions.kw["bind"].dispose()


@pytest.mark.postgres
def test_an_article_dated_years_ahead_leaves_the_refresh_window(db_url: str) -> None:
    sessions = open_archive(db_url)
    far_ahead = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    tomorrow = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    with session_scope(sessions) as session:
        run = start_run(session, T0, "incremental", "https://www.smoladmin.ru", ["novosti"])
        save_article(session, page("budushchaya", T0, published_at=far_ahead), run)
        save_article(session, page("zavtrashnyaya", T0, published_at=tomorrow), run)
        save_article(session, page("segodnyashnyaya", T0), run)
    with session_scope(sessions) as session:
        plan = crawl_plan(session, ["novosti"], T0, 30)
    assert NEWS + "budushchaya" not in plan.due
    assert NEWS + "zavtrashnyaya" in plan.due
    assert NEWS + "segodnyashnyaya" in plan.due
    sessions.kw["bind"].dispose()


@pytest.mark.postgres
def test_an_article_dated_years_ahead_never_tops_the_report_s_most_viewed(db_url: str) -> None:
    sessions = open_archive(db_url)
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    with session_scope(sessions) as session:
        run = start_run(session, T0, "incremental", "https://www.smoladmin.ru", ["novosti"])
        far_ahead = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
        save_article(session, page("budushchaya", T0, published_at=far_ahead, views=90000), run)
        save_article(session, page("obychnaya", T0, views=500), run)
    with session_scope(sessions) as session:
        top = [change.article.url for change in most_viewed(session, since, until, 10)]
    assert top == [NEWS + "obychnaya"]
    sessions.kw["bind"].dispose()


def datasette_clock() -> ModuleType:
    """The Datasette plugin that gives the canned queries the site's clock."""
    path = Path(citynews.datasette.__file__).parent / "plugins" / "citynews_clock.py"
    spec = importlib.util.spec_from_file_location("citynews_clock", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_datasette_latest_and_most_viewed_queries_skip_articles_dated_years_ahead(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    sessions = open_archive(db_url)
    now = datetime.now(UTC)
    with session_scope(sessions) as session:
        run = start_run(session, now, "incremental", "https://www.smoladmin.ru", ["novosti"])
        far_ahead = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
        save_article(session, page("budushchaya", now, published_at=far_ahead, views=90000), run)
        save_article(session, page("obychnaya", now, published_at=now, views=500), run)
    sessions.kw["bind"].dispose()
    with sqlite3.connect(tmp_path / "archive.sqlite3") as connection:
        datasette_clock().prepare_connection(connection)  # the functions the queries call
        latest = [url for _, _, url, *_ in connection.execute(LATEST_SQL)]
        viewed = [url for _, url, *_ in connection.execute(MOST_VIEWED_SQL)]
    assert latest == [NEWS + "obychnaya"]
    assert viewed == [NEWS + "obychnaya"]


@pytest.mark.postgres
def test_a_url_too_long_for_the_database_s_index_fails_alone(db_url: str) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        run_id = start_run(session, T0, "incremental", "https://www.smoladmin.ru", ["novosti"]).id
    writer = ArchiveWriter(WriterConfig(db_url, run_id, "Europe/Moscow", False))
    letters = random.Random(19)
    slug = "".join(letters.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9000))
    items = [page("pervaya", T0), page(slug, T0), page("tretya", T0)]
    try:
        written = writer.write_batch(items)
    finally:
        writer.close()
    with session_scope(sessions) as session:
        urls = set(session.scalars(select(Article.url)))
    assert {NEWS + "pervaya", NEWS + "tretya"} <= urls
    if NEWS + slug not in urls:  # PostgreSQL: a b-tree entry holds at most 2,704 bytes
        assert written[1][0] == ["citynews/errors"]
    sessions.kw["bind"].dispose()


@pytest.mark.postgres
def test_a_batch_of_one_bad_record_is_a_failed_fetch_too(db_url: str) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        run_id = start_run(session, T0, "incremental", "https://www.smoladmin.ru", ["novosti"]).id
    writer = ArchiveWriter(WriterConfig(db_url, run_id, "Europe/Moscow", False))
    year_one = datetime(1, 1, 1, 0, 0, tzinfo=MOSCOW)
    try:
        written = writer.write_batch([page("drevnyaya", T0, published_at=year_one)])
    finally:
        writer.close()
    assert "citynews/errors" in written[0][0]
    with session_scope(sessions) as session:
        assert "could not be stored: OverflowError" in failed_urls_report(session, MOSCOW)
    sessions.kw["bind"].dispose()

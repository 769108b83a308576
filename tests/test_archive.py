"""The archive on SQLite and PostgreSQL: upserts, never-worse merges, series, fetch log."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from archive.articles import save_article
from archive.crawl_records import ArticleRecord, FetchRecord, RawPageRecord
from archive.db import ArchiveError, head_revision, open_archive, redact, session_scope
from archive.fetches import register_fetch, urls_never_fetched
from archive.models import Article, RawPage, ViewObservation
from archive.plan import crawl_plan
from archive.queries import article_by_url, iter_article_rows, latest_raw_pages
from archive.raw import decompress
from archive.runs import (
    SaveOutcome,
    abandon_stale_runs,
    finish_run,
    recent_runs,
    record_walked_section,
    start_run,
)
from tests.support.records import article_record

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
URL = "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver"


def good_record(**changes) -> ArticleRecord:
    values = dict(
        fetched_url=URL,
        fetched_at=T0,
        title="В Смоленске открыли сквер",
        body_text="Первый абзац.\n\nВторой абзац.",
        body_html="<p>Первый абзац.</p><p>Второй абзац.</p>",
        published_at=datetime(2024, 3, 5, 14, 30, tzinfo=MSK),
        views=523,
        meta_line_raw="Опубликовано: 05.03.2024 14:30 Просмотров: 523",
        images=["https://www.smoladmin.ru/upload/skver.jpg"],
        attachments=[{"url": "https://www.smoladmin.ru/upload/plan.pdf", "title": "План"}],
    )
    values.update(changes)
    return article_record(values.pop("url", URL), **values)


def test_a_fresh_archive_is_migrated_to_the_head_revision(sessions) -> None:
    with sessions.kw["bind"].connect() as connection:
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    migrations = Path(__file__).parent.parent / "archive" / "migrations" / "versions"
    assert revision == head_revision() == max(path.name[:4] for path in migrations.glob("0*.py"))


def test_saving_twice_keeps_one_row_and_a_view_series(sessions) -> None:
    with session_scope(sessions) as session:
        assert save_article(session, good_record(), None) is SaveOutcome.NEW
    with session_scope(sessions) as session:
        later = good_record(fetched_at=T0 + timedelta(days=1), views=610)
        assert save_article(session, later, None) is SaveOutcome.UNCHANGED
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count(Article.id))) == 1
        article = session.scalar(select(Article))
        assert article.views == 610
        assert [(o.observed_at, o.views) for o in article.view_observations] == [
            (T0, 523),
            (T0 + timedelta(days=1), 610),
        ]
        assert article.first_seen_at == T0
        assert article.last_fetched_at == T0 + timedelta(days=1)


def test_times_come_back_aware_and_exact(sessions) -> None:
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
    with session_scope(sessions) as session:
        article = session.scalar(select(Article))
        assert article.published_at == datetime(2024, 3, 5, 11, 30, tzinfo=UTC)
        assert article.published_at.astimezone(MSK).isoformat() == "2024-03-05T14:30:00+03:00"


def test_a_worse_parse_never_blanks_archived_values(sessions) -> None:
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
    broken = good_record(
        fetched_at=T0 + timedelta(hours=1),
        title=None,
        body_text="",
        body_html="",
        published_at=None,
        published_precision=None,
        published_source=None,
        views=None,
        meta_line_raw=None,
        images=[],
        attachments=[],
        warnings=["no title found", "no body text found"],
    )
    with session_scope(sessions) as session:
        assert save_article(session, broken, None) is SaveOutcome.UNCHANGED
    with session_scope(sessions) as session:
        article = session.scalar(select(Article))
        assert article.title == "В Смоленске открыли сквер"
        assert article.body_text.startswith("Первый абзац.")
        assert article.published_at is not None
        assert article.published_precision == "minute"
        assert article.views == 523
        assert article.images
        assert article.attachments
        assert article.parse_warnings == ["no title found", "no body text found"]
        assert session.scalar(select(func.count(ViewObservation.id))) == 1


def test_a_listing_date_never_replaces_the_pages_own_time(sessions) -> None:
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
    from_listing = good_record(
        fetched_at=T0 + timedelta(hours=1),
        published_at=datetime(2024, 3, 5, tzinfo=MSK),
        published_precision="date",
        published_source="listing",
    )
    with session_scope(sessions) as session:
        save_article(session, from_listing, None)
    with session_scope(sessions) as session:
        article = session.scalar(select(Article))
        assert article.published_source == "meta-line"
        assert article.published_at == datetime(2024, 3, 5, 14, 30, tzinfo=MSK)


def test_an_edited_title_counts_as_updated(sessions) -> None:
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
    with session_scope(sessions) as session:
        edited = good_record(fetched_at=T0 + timedelta(hours=2), title="Сквер открыт")
        assert save_article(session, edited, None) is SaveOutcome.UPDATED
    with session_scope(sessions) as session:
        article = session.scalar(select(Article))
        assert article.title == "Сквер открыт"
        assert article.last_changed_at == T0 + timedelta(hours=2)


def test_runs_count_requests_failures_removals_and_outcomes(sessions) -> None:
    unknown = URL + "-unknown"
    with session_scope(sessions) as session:
        run = start_run(session, T0, "full", "http://127.0.0.1:1", ["novosti"])
        save_article(session, good_record(), run)
        for url, status, ok in ((URL, 200, True), (URL, 404, False), (unknown, 404, False)):
            register_fetch(
                session,
                FetchRecord(
                    url=url,
                    requested_url=url,
                    kind="article",
                    ok=ok,
                    fetched_at=T0,
                    status=status,
                    error=None if ok else f"HTTP {status}",
                ),
                run,
            )
        finish_run(session, run, T0 + timedelta(minutes=1), "completed", None)
        assert (run.fetch_failures, run.articles_new) == (1, 1)
        assert run.articles_removed == 1
        assert session.scalar(select(Article)).removed_at == T0


def test_pages_that_never_loaded_are_retried(sessions) -> None:
    gone = "https://www.smoladmin.ru/press-centr/novosti/udalennaya-novost"
    with session_scope(sessions) as session:
        for url, ok in ((gone, False), (gone, False), (URL, False), (URL, True)):
            register_fetch(
                session,
                FetchRecord(url=url, requested_url=url, kind="article", ok=ok, fetched_at=T0),
                None,
            )
        assert urls_never_fetched(session) == [gone]


def test_filters_by_section_and_publication_time(sessions) -> None:
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
        save_article(
            session,
            good_record(
                url=URL + "-1",
                section="novosti-tos",
                published_at=datetime(2025, 1, 1, 10, 0, tzinfo=MSK),
            ),
            None,
        )

    def urls(**filters) -> list[str]:  # type: ignore[no-untyped-def]
        batches = iter_article_rows(session, [Article.url], **filters)
        return [row.url for batch in batches for row in batch]

    with session_scope(sessions) as session:
        assert urls() == [URL, URL + "-1"]
        assert urls(section="novosti-tos") == [URL + "-1"]
        since = datetime(2024, 3, 6, tzinfo=MSK)
        assert urls(since=since) == [URL + "-1"]
        assert urls(until=since) == [URL]


def test_bad_database_urls_are_reported_in_one_line() -> None:
    with pytest.raises(ArchiveError, match="bad database URL"):
        open_archive("not a url")
    with pytest.raises(ArchiveError, match="bad database URL"):
        open_archive("nosuchdialect://x/y")
    with pytest.raises(ArchiveError, match="cannot open the archive"):
        open_archive("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


def test_archive_locations_are_shown_without_credentials() -> None:
    assert redact("postgresql+psycopg://user:secret@db.example/archive") == (
        "postgresql+psycopg://db.example/archive"
    )


def test_an_edit_keeps_the_previous_version_as_a_revision(sessions) -> None:
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
    later = T0 + timedelta(days=2)
    with session_scope(sessions) as session:
        save_article(session, good_record(fetched_at=T0 + timedelta(days=1)), None)
        edited = good_record(fetched_at=later, body_text="Первый абзац.\n\nИсправленный абзац.")
        assert save_article(session, edited, None) is SaveOutcome.UPDATED
    with session_scope(sessions) as session:
        article = article_by_url(session, URL)
        assert article.body_text.endswith("Исправленный абзац.")
        assert [(r.observed_at, r.replaced_at, r.body_text) for r in article.revisions] == [
            (T0, later, "Первый абзац.\n\nВторой абзац.")
        ]


def test_a_removed_article_stays_and_its_return_is_an_event(sessions) -> None:
    gone_at, back_at = T0 + timedelta(days=1), T0 + timedelta(days=3)
    with session_scope(sessions) as session:
        save_article(session, good_record(), None)
        for at in (gone_at, gone_at + timedelta(days=1)):
            fetch = FetchRecord(
                url=URL, requested_url=URL, kind="article", ok=False, fetched_at=at, status=410
            )
            register_fetch(session, fetch, None)
    with session_scope(sessions) as session:
        assert article_by_url(session, URL).removed_at == gone_at
        save_article(session, good_record(fetched_at=back_at), None)
    with session_scope(sessions) as session:
        article = article_by_url(session, URL)
        assert article.removed_at is None
        assert article.title
        assert [(e.kind, e.at) for e in article.events] == [
            ("removed", gone_at),
            ("restored", back_at),
        ]


def test_raw_pages_are_stored_compressed_once_per_distinct_body(sessions) -> None:
    page = ("<html><body><h1>Заголовок</h1>" + "<p>Текст новости.</p>" * 200).encode()
    with session_scope(sessions) as session:
        for hours, body in ((0, page), (1, page), (2, page + b"<!-- views 524 -->")):
            raw = RawPageRecord(status=200, headers={"Content-Type": "text/html"}, body=body)
            save_article(
                session, good_record(fetched_at=T0 + timedelta(hours=hours), raw=raw), None
            )
    with session_scope(sessions) as session:
        pages = session.scalars(select(RawPage).order_by(RawPage.fetched_at)).all()
        assert [p.fetched_at for p in pages] == [T0, T0 + timedelta(hours=2)]
        assert decompress(pages[0].body, pages[0].compression) == page
        assert pages[0].size == len(page)
        assert len(pages[0].body) < len(page) / 10
        assert latest_raw_pages(session, [URL])[URL].headers == {"Content-Type": "text/html"}


def test_the_crawl_plan_knows_what_is_due_settled_and_walked(sessions) -> None:
    recent = URL + "-recent"
    with session_scope(sessions) as session:
        run = start_run(session, T0, "incremental", "x", ["novosti"])
        save_article(session, good_record(), run)
        record_walked_section(run, "novosti")
        finish_run(session, run, T0 + timedelta(minutes=5), "completed", None)
        interrupted = start_run(session, T0 + timedelta(hours=1), "incremental", "x", ["novosti"])
        save_article(
            session,
            good_record(
                url=recent, fetched_at=T0 + timedelta(hours=1), published_at=T0 - timedelta(days=2)
            ),
            interrupted,
        )
        finish_run(session, interrupted, T0 + timedelta(hours=2), "interrupted", None)
        plan = crawl_plan(session, ["novosti"], now=T0, refresh_days=14)
        other_section = crawl_plan(session, ["novosti-tos"], now=T0, refresh_days=14)
    assert plan.known == {URL, recent}
    assert plan.due == {recent}
    assert plan.settled == {URL}
    assert plan.walked_sections == {"novosti"}
    assert other_section.known == set()


def test_runs_left_running_by_a_killed_process_are_marked_killed(sessions) -> None:
    with session_scope(sessions) as session:
        start_run(session, T0, "full", "x", ["novosti"])
    with session_scope(sessions) as session:
        assert abandon_stale_runs(session) == 1
        assert recent_runs(session)[0].outcome == "killed"

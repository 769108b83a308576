"""Batched writes (archive/batch_writes.py): a crawl batch leaves the archive exactly as saving
its articles one by one would, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.articles import save_article
from archive.batch_writes import ArticleBatch
from archive.crawl_records import ArticleRecord, FetchRecord, RawPageRecord
from archive.db import open_archive, session_scope
from archive.fetches import register_fetch
from archive.models import Article, ArticleEvent, CrawlRun, RawPage, Revision, ViewObservation
from archive.raw import decompress
from archive.runs import start_run
from archive.search.index import index_values
from archive.search.query import parse_query
from archive.search.running import Filters, search
from tests.conftest import fresh_postgres_database
from tests.support.records import article_record

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NEWS = "https://www.smoladmin.ru/press-centr/novosti/"


def page(slug: str, at: datetime, *, precomputed: bool = True, **changes) -> ArticleRecord:
    """A fetched page, with the worker's precomputed index values unless told otherwise."""
    values = dict(
        fetched_at=at,
        title=f"Ремонт дорог на улице {slug}",
        body_text=f"Подрядчик уложил асфальт на улице {slug}.\n\nРаботы завершены.",
        body_html=f"<p>Подрядчик уложил асфальт на улице {slug}.</p>",
        published_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        meta_line_raw="Опубликовано: 01.11.2026 15:00 Просмотров: 100",
        raw=RawPageRecord(200, {"Content-Type": "text/html"}, f"<html>{slug}</html>".encode()),
    )
    values.update(changes)
    record = article_record(NEWS + slug, **values)
    if precomputed:
        record.index_values = index_values(record.title, record.body_text)
    return record


def later_batch() -> list[ArticleRecord | FetchRecord]:
    """One batch of a later run: new pages, changed and unchanged ones, a page twice, a page
    without a title (the archived one stays, and is what the index must hold), a restored one."""
    at = T0 + timedelta(days=1)
    return [
        page("novaya", at),
        page("lenina", at, views=150),  # unchanged page, new view count
        page("gagarina", at, body_text="Работы на улице Гагарина продлены до весны."),
        page("gagarina", at + timedelta(minutes=5), views=170),  # again, in the same batch
        page("kirova", at, title=None, body_text="Новый текст о благоустройстве сквера."),
        FetchRecord(NEWS + "novaya", NEWS + "novaya", "article", True, at, status=200),
        page("udalennaya", at, precomputed=False),
        page("povtor", at, raw=RawPageRecord(200, {}, b"<html>same bytes</html>")),
        page(
            "povtor",
            at + timedelta(minutes=1),
            raw=RawPageRecord(200, {}, b"<html>same bytes</html>"),
        ),
    ]


def first_run(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        for slug in ("lenina", "gagarina", "kirova", "udalennaya"):
            save_article(session, page(slug, T0), None)
        gone = FetchRecord(NEWS + "udalennaya", NEWS + "udalennaya", "article", False, T0, 404)
        register_fetch(session, gone, None)


def archive_state(sessions: sessionmaker[Session]) -> dict:
    """Everything a user could see of the archive, ids left out."""
    with session_scope(sessions) as session:
        articles = {
            article.url: (
                article.title,
                article.body_text,
                article.views,
                article.removed_at,
                article.last_changed_at,
                article.last_fetched_at,
            )
            for article in session.scalars(select(Article))
        }
        urls = {article.id: article.url for article in session.scalars(select(Article))}
        observations = sorted(
            (urls[row.article_id], row.observed_at, row.views)
            for row in session.scalars(select(ViewObservation))
        )
        revisions = sorted(
            (urls[row.article_id], row.title, row.body_text, row.replaced_at)
            for row in session.scalars(select(Revision))
        )
        events = sorted(
            (urls[row.article_id], row.kind, row.at)
            for row in session.scalars(select(ArticleEvent))
        )
        pages = sorted(
            (row.url, row.fetched_at, row.sha256, decompress(row.body, row.compression))
            for row in session.scalars(select(RawPage))
        )
        found = {
            query: sorted(hit.article.url for hit in search(session, parse_query(query), Filters()))
            for query in ("ремонт", "асфальт", "гагарина весна", "благоустройство сквер", "kirova")
        }
    return {
        "articles": articles,
        "observations": observations,
        "revisions": revisions,
        "events": events,
        "pages": pages,
        "found": found,
    }


def another_archive(db_url: str, request: pytest.FixtureRequest, tmp_path) -> str:
    """A second empty archive on the same backend as db_url."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'second.sqlite3'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


def state_after(db_url: str, batched: bool) -> dict:
    """The archive after the first run and the later batch, written in one batch or not."""
    sessions = open_archive(db_url)
    try:
        first_run(sessions)
        with session_scope(sessions) as session:
            run_id = start_run(session, T0 + timedelta(days=1), "incremental", NEWS, ["n"]).id
        items = later_batch()
        batches = [items] if batched else [[item] for item in items]
        for items in batches:
            with session_scope(sessions) as session:
                run = session.get(CrawlRun, run_id)
                urls = [item.url for item in items if isinstance(item, ArticleRecord)]
                batch = ArticleBatch.load(session, urls) if batched else None
                for item in items:
                    if isinstance(item, ArticleRecord):
                        save_article(session, item, run, batch)
                    else:
                        register_fetch(session, item, run)
                if batch is not None:
                    batch.write(session)
        return archive_state(sessions)
    finally:
        sessions.kw["bind"].dispose()


def test_a_batch_writes_what_saving_one_by_one_writes(db_url, request, tmp_path) -> None:
    one_by_one = state_after(db_url, batched=False)
    in_a_batch = state_after(another_archive(db_url, request, tmp_path), batched=True)
    assert in_a_batch == one_by_one
    # What the comparison covers: every kind of row the batch defers.
    assert len(one_by_one["observations"]) == 12
    revised = [url for url, *_ in one_by_one["revisions"]]
    assert revised == [NEWS + "gagarina", NEWS + "gagarina", NEWS + "kirova"]
    assert one_by_one["events"] == [
        (NEWS + "udalennaya", "removed", T0),
        (NEWS + "udalennaya", "restored", T0 + timedelta(days=1)),
    ]
    assert [url for url, *_ in one_by_one["pages"]].count(NEWS + "povtor") == 1
    assert one_by_one["found"]["благоустройство сквер"] == [NEWS + "kirova"]
    assert NEWS + "kirova" in one_by_one["found"]["ремонт"]  # the archived title
    assert one_by_one["found"]["гагарина весна"] == []  # the batch's last text of the page


def test_an_archived_title_stays_searchable_when_a_page_lacks_it(sessions) -> None:
    """The worker's index values are of the page; when the article keeps its archived title,
    the index must hold that title, not the page's lack of one."""
    with session_scope(sessions) as session:
        save_article(session, page("kirova", T0), None)
    untitled = page("kirova", T0 + timedelta(days=1), title=None, body_text="Новый текст.")
    with session_scope(sessions) as session:
        batch = ArticleBatch.load(session, [untitled.url])
        save_article(session, untitled, None, batch)
        batch.write(session)
    with session_scope(sessions) as session:
        hits = search(session, parse_query("ремонт дорог"), Filters())
        assert [hit.article.url for hit in hits] == [untitled.url]
        assert search(session, parse_query("новый текст"), Filters())

"""Read queries: articles with their histories, stored pages, and streamed export rows."""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Result, Row, Subquery, func, select
from sqlalchemy.orm import Session, selectinload

from archive.models import Article, RawPage, Revision, ViewObservation


def latest_raw_page_times(urls: list[str]) -> Subquery:
    """(url, fetched_at) of the last stored page of each of the articles."""
    return (
        select(RawPage.url, func.max(RawPage.fetched_at).label("fetched_at"))
        .where(RawPage.url.in_(urls))
        .group_by(RawPage.url)
        .subquery()
    )


def latest_raw_pages(session: Session, urls: list[str]) -> dict[str, RawPage]:
    """The last stored page of each of the articles, read in one query."""
    latest = latest_raw_page_times(urls)
    pages = session.scalars(
        select(RawPage)
        .join(latest, (RawPage.url == latest.c.url) & (RawPage.fetched_at == latest.c.fetched_at))
        .order_by(RawPage.id)
    )
    return {page.url: page for page in pages}


def article_by_url(session: Session, url: str) -> Article | None:
    """One article with its history loaded."""
    return session.scalar(
        select(Article)
        .where(Article.url == url)
        .options(
            selectinload(Article.view_observations),
            selectinload(Article.revisions),
            selectinload(Article.events),
        )
    )


def iter_article_rows(
    session: Session,
    columns: list[Any],
    section: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = 1000,
) -> Iterator[Sequence[Row[Any]]]:
    """Chosen columns of articles in publication order (oldest first), streamed as batches
    of Core rows: no ORM objects, memory bounded by one batch."""
    stmt = select(*columns).order_by(
        Article.published_at.is_(None), Article.published_at, Article.id
    )
    if section:
        stmt = stmt.where(Article.section == section)
    if since:
        stmt = stmt.where(Article.published_at >= since)
    if until:
        stmt = stmt.where(Article.published_at < until)
    connection = session.connection().execution_options(stream_results=True, yield_per=batch_size)
    yield from connection.execute(stmt).partitions()


def view_histories(session: Session, article_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """(observed_at, views) of each of the articles, oldest first, in one query."""
    histories: dict[int, list[Row[Any]]] = {article_id: [] for article_id in article_ids}
    rows: Result[Any] = session.connection().execute(
        select(ViewObservation.article_id, ViewObservation.observed_at, ViewObservation.views)
        .where(ViewObservation.article_id.in_(article_ids))
        .order_by(ViewObservation.article_id, ViewObservation.observed_at)
    )
    for row in rows:
        histories[row.article_id].append(row)
    return histories


def revision_histories(session: Session, article_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """(observed_at, title, body_text) of each of the articles' revisions, oldest first."""
    histories: dict[int, list[Row[Any]]] = {article_id: [] for article_id in article_ids}
    rows: Result[Any] = session.connection().execute(
        select(Revision.article_id, Revision.observed_at, Revision.title, Revision.body_text)
        .where(Revision.article_id.in_(article_ids))
        .order_by(Revision.article_id, Revision.observed_at)
    )
    for row in rows:
        histories[row.article_id].append(row)
    return histories

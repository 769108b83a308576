"""Fetches and removals: every request's outcome, and the articles that went away."""

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from archive.crawl_records import FetchRecord
from archive.models import Article, ArticleEvent, CrawlRun, Fetch
from archive.watches import ArticleChange, queue_notifications

GONE_STATUSES = (404, 410)


def register_fetch(
    session: Session, fetch: FetchRecord, run: CrawlRun | None, gone: bool = False
) -> bool:
    """Record a request's outcome (written at the session's next flush); a 404/410 of an
    archived article marks it removed, as does any answer that says it is gone (`gone`: a page
    saying it does not exist, a redirect to a page that is no article).

    Returns True when the fetch newly removed an archived article. The removal of an archived
    article is not a failed fetch.
    """
    session.add(Fetch(**fetch.__dict__, crawl_run_id=run.id if run else None))
    archived = None
    if fetch.kind == "article" and (gone or fetch.status in GONE_STATUSES):
        archived = session.scalar(select(Article).where(Article.url == fetch.url))
    newly_removed = archived is not None and mark_removed(
        session, archived, fetch.fetched_at, fetch.status, run
    )
    if run is not None:
        run.articles_removed += int(newly_removed)
        if not fetch.ok and not fetch.ignored and archived is None:
            run.fetch_failures += 1
    return newly_removed


def mark_removed(
    session: Session, article: Article, at: datetime, status: int | None, run: CrawlRun | None
) -> bool:
    """Mark an archived article as gone (it is kept forever); False if it already was."""
    if article.removed_at is not None:
        return False
    article.removed_at = at
    session.add(article_event(article, at, "removed", status, run))
    queue_notifications(session, [ArticleChange(article, "removed", at)])
    return True


def article_event(
    article: Article, at: datetime, kind: str, status: int | None, run: CrawlRun | None
) -> ArticleEvent:
    return ArticleEvent(
        article_id=article.id, at=at, kind=kind, status=status, crawl_run_id=run.id if run else None
    )


def urls_never_fetched(session: Session) -> list[str]:
    """Article URLs whose every fetch failed, to be tried again on the next run."""
    return [url for url, loaded in unarchived_fetches(session) if not loaded]


def unarchived_fetches(session: Session) -> list[tuple[str, bool]]:
    """Article URLs requested but not archived, in order, each with whether one fetch loaded."""
    session.flush()  # the query below is Core: fetches still pending must be written first
    succeeded = func.max(case((Fetch.ok, 1), else_=0))
    stmt = (
        select(Fetch.url, succeeded)
        .outerjoin(Article, Article.url == Fetch.url)
        .where(Fetch.kind == "article", Article.id.is_(None))
        .group_by(Fetch.url)
        .order_by(Fetch.url)
    )
    return [(url, bool(loaded)) for url, loaded in session.connection().execute(stmt)]

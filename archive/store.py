"""Reads and writes of the archive. Functions take a session and never commit: callers do."""

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from archive.models import Article, CrawlRun, Fetch, ViewObservation
from archive.records import ArticleRecord, FetchRecord

CONTENT_FIELDS = ("title", "body_text", "published_at", "updated_at")
PRECISION_RANK = {None: 0, "date": 1, "minute": 2}


class SaveOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def start_run(
    session: Session, started_at: datetime, mode: str, site_url: str, sections: list[str]
) -> CrawlRun:
    """Record the start of a crawl."""
    run = CrawlRun(
        started_at=started_at, mode=mode, site_url=site_url, sections=sections, outcome="running"
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session, run: CrawlRun, finished_at: datetime, outcome: str, message: str | None
) -> CrawlRun:
    """Record the end of a crawl and what it did."""
    run.finished_at = finished_at
    run.outcome = outcome
    run.message = message
    session.flush()
    return run


def count_outcome(run: CrawlRun, outcome: SaveOutcome) -> None:
    """Add one article outcome to the run's counters."""
    if outcome is SaveOutcome.NEW:
        run.articles_new += 1
    elif outcome is SaveOutcome.UPDATED:
        run.articles_updated += 1
    else:
        run.articles_unchanged += 1


def record_fetch(session: Session, fetch: FetchRecord, run: CrawlRun | None) -> Fetch:
    """Record what one request returned, or why it failed."""
    row = Fetch(**asdict(fetch), crawl_run_id=run.id if run else None)
    session.add(row)
    if run is not None:
        run.requests += 1
        if not fetch.ok:
            run.fetch_failures += 1
    session.flush()
    return row


def save_article(session: Session, record: ArticleRecord, run: CrawlRun | None) -> SaveOutcome:
    """Insert or update an article by URL, never replacing a good value with a worse one."""
    article = session.scalar(select(Article).where(Article.url == record.url))
    if article is None:
        article = new_article(record)
        session.add(article)
        outcome = SaveOutcome.NEW
    else:
        outcome = merge_into(article, record)
    session.flush()
    if record.views is not None:
        observe_views(session, article, record.fetched_at, record.views, run)
    if run is not None:
        count_outcome(run, outcome)
    return outcome


def new_article(record: ArticleRecord) -> Article:
    """A new archive row from a first fetch."""
    return Article(
        url=record.url,
        section=record.section,
        title=record.title,
        body_text=record.body_text,
        body_html=record.body_html,
        published_at=record.published_at,
        published_precision=record.published_precision if record.published_at else None,
        published_source=record.published_source if record.published_at else None,
        updated_at=record.updated_at,
        views=record.views,
        meta_line_raw=record.meta_line_raw,
        images=record.images,
        attachments=record.attachments,
        listing_title=record.listing_title,
        cues=record.cues,
        parse_warnings=record.warnings,
        fetched_url=record.fetched_url,
        first_seen_at=record.fetched_at,
        last_fetched_at=record.fetched_at,
        last_changed_at=record.fetched_at,
    )


def merge_into(article: Article, record: ArticleRecord) -> SaveOutcome:
    """Apply a later fetch to an archived article, keeping archived values a worse parse lacks."""
    before = {name: getattr(article, name) for name in CONTENT_FIELDS}
    if record.title:
        article.title = record.title
    if record.body_text:
        article.body_text = record.body_text
        article.body_html = record.body_html
        article.images = record.images
        article.attachments = record.attachments
    if (
        record.published_at
        and PRECISION_RANK[record.published_precision]
        >= PRECISION_RANK[article.published_precision]
    ):
        article.published_at = record.published_at
        article.published_precision = record.published_precision
        article.published_source = record.published_source
    article.updated_at = record.updated_at or article.updated_at
    article.meta_line_raw = record.meta_line_raw or article.meta_line_raw
    article.listing_title = record.listing_title or article.listing_title
    if record.views is not None:
        article.views = record.views
    article.cues = record.cues
    article.parse_warnings = record.warnings
    article.fetched_url = record.fetched_url
    article.last_fetched_at = record.fetched_at
    if any(getattr(article, name) != value for name, value in before.items()):
        article.last_changed_at = record.fetched_at
        return SaveOutcome.UPDATED
    return SaveOutcome.UNCHANGED


def observe_views(
    session: Session, article: Article, observed_at: datetime, views: int, run: CrawlRun | None
) -> None:
    """Append a view-count reading to the article's series."""
    session.add(
        ViewObservation(
            article_id=article.id,
            observed_at=observed_at,
            views=views,
            crawl_run_id=run.id if run else None,
        )
    )
    session.flush()


def urls_never_fetched(session: Session) -> list[str]:
    """Article URLs whose every fetch failed, to be tried again on the next run."""
    succeeded = func.max(case((Fetch.ok, 1), else_=0))
    stmt = (
        select(Fetch.url)
        .where(Fetch.kind == "article", Fetch.url.not_in(select(Article.url)))
        .group_by(Fetch.url)
        .having(succeeded == 0)
        .order_by(Fetch.url)
    )
    return list(session.scalars(stmt))


def iter_articles(
    session: Session,
    section: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = 500,
) -> Iterator[Article]:
    """Articles in publication order (oldest first), streamed in batches."""
    stmt = select(Article).order_by(
        Article.published_at.is_(None), Article.published_at, Article.id
    )
    if section:
        stmt = stmt.where(Article.section == section)
    if since:
        stmt = stmt.where(Article.published_at >= since)
    if until:
        stmt = stmt.where(Article.published_at < until)
    yield from session.scalars(stmt.execution_options(yield_per=batch_size))


def count_articles(session: Session) -> int:
    """How many articles the archive holds."""
    return session.scalar(select(func.count(Article.id))) or 0

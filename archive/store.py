"""Reads and writes of the archive. Functions take a session and never commit: callers do."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, case, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from archive.models import (
    Article,
    ArticleEvent,
    CrawlRun,
    Fetch,
    RawPage,
    Revision,
    ViewObservation,
)
from archive.raw import COMPRESSION, compress, sha256_hex
from archive.records import ArticleRecord, FetchRecord
from archive.search import index_article

CONTENT_FIELDS = ("title", "body_text", "published_at", "updated_at")
COVERAGE_FIELDS = ("title", "published_at", "body", "views")
PRECISION_RANK = {None: 0, "date": 1, "minute": 2}
GONE_STATUSES = (404, 410)


class SaveOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


# Crawl runs


def start_run(
    session: Session, started_at: datetime, mode: str, site_url: str, sections: list[str]
) -> CrawlRun:
    """Record the start of a crawl."""
    run = CrawlRun(
        started_at=started_at,
        mode=mode,
        site_url=site_url,
        sections=sections,
        outcome="running",
        coverage={"fetched": 0, **dict.fromkeys(COVERAGE_FIELDS, 0)},
        sections_walked=[],
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


def abandon_stale_runs(session: Session) -> int:
    """Mark runs still 'running' as killed: called by the holder of the crawl lock."""
    stale = session.scalars(select(CrawlRun).where(CrawlRun.outcome == "running")).all()
    for run in stale:
        run.outcome = "killed"
        run.message = "the process ended without recording an outcome (killed?)"
    session.flush()
    return len(stale)


def record_walked_section(run: CrawlRun, section: str) -> None:
    """Note that this run reached the last listing page of a section."""
    if section not in run.sections_walked:
        run.sections_walked = [*run.sections_walked, section]


def count_outcome(run: CrawlRun, outcome: SaveOutcome) -> None:
    """Add one article outcome to the run's counters."""
    if outcome is SaveOutcome.NEW:
        run.articles_new += 1
    elif outcome is SaveOutcome.UPDATED:
        run.articles_updated += 1
    else:
        run.articles_unchanged += 1


def count_coverage(run: CrawlRun, record: ArticleRecord) -> None:
    """Count which fields a fetched article page yielded."""
    present = {
        "title": bool(record.title),
        "published_at": record.published_at is not None,
        "body": bool(record.body_text),
        "views": record.views is not None,
    }
    coverage = dict(run.coverage or {})
    coverage["fetched"] = coverage.get("fetched", 0) + 1
    for name, found in present.items():
        coverage[name] = coverage.get(name, 0) + int(found)
    run.coverage = coverage


def coverage_shares(run: CrawlRun) -> dict[str, float]:
    """Share of the run's fetched articles that had each field."""
    coverage = run.coverage or {}
    fetched = coverage.get("fetched", 0)
    return {name: coverage.get(name, 0) / fetched for name in COVERAGE_FIELDS} if fetched else {}


def recent_runs(session: Session, limit: int = 10) -> list[CrawlRun]:
    """The latest runs, newest first."""
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))


# Fetches and removals


def register_fetch(session: Session, fetch: FetchRecord, run: CrawlRun | None) -> bool:
    """Record a request's outcome; a 404/410 of an archived article marks it removed.

    Returns True when the fetch newly removed an archived article. A 404/410 of an archived
    article is a removal, not a failed fetch.
    """
    session.add(Fetch(**fetch.__dict__, crawl_run_id=run.id if run else None))
    archived = None
    if fetch.kind == "article" and fetch.status in GONE_STATUSES:
        archived = session.scalar(select(Article).where(Article.url == fetch.url))
    newly_removed = archived is not None and mark_removed(
        session, archived, fetch.fetched_at, fetch.status, run
    )
    if run is not None:
        run.articles_removed += int(newly_removed)
        if not fetch.ok and not fetch.ignored and archived is None:
            run.fetch_failures += 1
    session.flush()
    return newly_removed


def mark_removed(
    session: Session, article: Article, at: datetime, status: int | None, run: CrawlRun | None
) -> bool:
    """Mark an archived article as gone (it is kept forever); False if it already was."""
    if article.removed_at is not None:
        return False
    article.removed_at = at
    session.add(_event(article, at, "removed", status, run))
    return True


def _event(
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
    succeeded = func.max(case((Fetch.ok, 1), else_=0))
    stmt = (
        select(Fetch.url, succeeded)
        .outerjoin(Article, Article.url == Fetch.url)
        .where(Fetch.kind == "article", Article.id.is_(None))
        .group_by(Fetch.url)
        .order_by(Fetch.url)
    )
    return [(url, bool(loaded)) for url, loaded in session.connection().execute(stmt)]


# Articles


def save_article(session: Session, record: ArticleRecord, run: CrawlRun | None) -> SaveOutcome:
    """Insert or update an article by URL, never replacing a good value with a worse one.

    A changed title or text keeps the previous version as a revision; a view count becomes an
    observation; a page that answers again after a removal is marked restored.
    """
    article = session.scalar(select(Article).where(Article.url == record.url))
    if article is None:
        article = new_article(record)
        session.add(article)
        session.flush()
        outcome = SaveOutcome.NEW
    else:
        outcome = merge_into(session, article, record)
        if article.removed_at is not None:
            article.removed_at = None
            session.add(_event(article, record.fetched_at, "restored", None, run))
    if record.views is not None:
        session.add(
            ViewObservation(
                article_id=article.id,
                observed_at=record.fetched_at,
                views=record.views,
                crawl_run_id=run.id if run else None,
            )
        )
    if outcome is not SaveOutcome.UNCHANGED:
        index_article(session, article)
    if record.raw is not None:
        store_raw_page(session, record, run)
    if run is not None:
        count_outcome(run, outcome)
        count_coverage(run, record)
    session.flush()
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
        listing_date=record.listed_date,
        cues=record.cues,
        parse_warnings=record.warnings,
        fetched_url=record.fetched_url,
        first_seen_at=record.fetched_at,
        last_fetched_at=record.fetched_at,
        last_changed_at=record.fetched_at,
    )


def merge_into(session: Session, article: Article, record: ArticleRecord) -> SaveOutcome:
    """Apply a later fetch to an archived article, keeping archived values a worse parse lacks."""
    if is_new_version(article, record):
        session.add(
            Revision(
                article_id=article.id,
                observed_at=article.last_changed_at,
                replaced_at=record.fetched_at,
                title=article.title,
                body_text=article.body_text,
                body_html=article.body_html,
                updated_at=article.updated_at,
            )
        )
    changed = apply_parsed_fields(article, record)
    if record.views is not None:
        article.views = record.views
    article.listing_title = record.listing_title or article.listing_title
    article.fetched_url = record.fetched_url
    article.last_fetched_at = record.fetched_at
    if changed:
        article.last_changed_at = record.fetched_at
        return SaveOutcome.UPDATED
    return SaveOutcome.UNCHANGED


def is_new_version(article: Article, record: ArticleRecord) -> bool:
    """Whether a fetch shows a different title or text (an empty parse is no new version)."""
    title_changed = bool(record.title) and record.title != article.title
    body_changed = bool(record.body_text) and record.body_text != article.body_text
    return (title_changed or body_changed) and bool(article.title or article.body_text)


def apply_parsed_fields(article: Article, record: ArticleRecord) -> bool:
    """Copy the parsed fields a record has onto the article; True if its content changed."""
    before = {name: getattr(article, name) for name in CONTENT_FIELDS}
    if record.title:
        article.title = record.title
    if record.body_text:
        article.body_text = record.body_text
        article.body_html = record.body_html
        article.images = record.images
        article.attachments = record.attachments
    rank = PRECISION_RANK[record.published_precision]
    if record.published_at and rank >= PRECISION_RANK[article.published_precision]:
        article.published_at = record.published_at
        article.published_precision = record.published_precision
        article.published_source = record.published_source
    article.updated_at = record.updated_at or article.updated_at
    article.meta_line_raw = record.meta_line_raw or article.meta_line_raw
    article.listing_date = record.listed_date or article.listing_date
    article.cues = record.cues
    article.parse_warnings = record.warnings
    return any(getattr(article, name) != value for name, value in before.items())


def store_raw_page(session: Session, record: ArticleRecord, run: CrawlRun | None) -> bool:
    """Keep the page as served, unless it is byte for byte the one stored last for its URL."""
    assert record.raw is not None
    digest = sha256_hex(record.raw.body)
    latest = session.scalar(
        select(RawPage.sha256)
        .where(RawPage.url == record.url)
        .order_by(RawPage.fetched_at.desc())
        .limit(1)
    )
    if latest == digest:
        return False
    session.add(
        RawPage(
            url=record.url,
            fetched_url=record.fetched_url,
            fetched_at=record.fetched_at,
            status=record.raw.status,
            headers=record.raw.headers,
            compression=COMPRESSION,
            body=record.raw.compressed or compress(record.raw.body),
            size=len(record.raw.body),
            sha256=digest,
            crawl_run_id=run.id if run else None,
        )
    )
    return True


def latest_raw_page(session: Session, url: str) -> RawPage | None:
    """The last stored page of an article."""
    return session.scalar(
        select(RawPage).where(RawPage.url == url).order_by(RawPage.fetched_at.desc()).limit(1)
    )


def latest_raw_pages(session: Session, urls: list[str]) -> dict[str, RawPage]:
    """The last stored page of each of the articles, read in one query."""
    latest = (
        select(RawPage.url, func.max(RawPage.fetched_at).label("fetched_at"))
        .where(RawPage.url.in_(urls))
        .group_by(RawPage.url)
        .subquery()
    )
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
    rows = session.connection().execute(
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
    rows = session.connection().execute(
        select(Revision.article_id, Revision.observed_at, Revision.title, Revision.body_text)
        .where(Revision.article_id.in_(article_ids))
        .order_by(Revision.article_id, Revision.observed_at)
    )
    for row in rows:
        histories[row.article_id].append(row)
    return histories


# What a crawl should fetch


@dataclass
class CrawlPlan:
    """What the archive already knows, so that a crawl fetches only what it must."""

    known: set[str] = field(default_factory=set)
    attempted: set[str] = field(default_factory=set)
    due: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)
    walked_sections: set[str] = field(default_factory=set)
    retry: list[str] = field(default_factory=list)
    listing_dates: dict[str, date] = field(default_factory=dict)
    revisit: list[str] = field(default_factory=list)


def crawl_plan(
    session: Session, sections: list[str], now: datetime, refresh_days: int
) -> CrawlPlan:
    """Known, due-for-refresh, removed and settled articles of the sections, and their walks.

    Attempted URLs were requested before, whatever came of it (a 404, a robots.txt refusal).

    Settled articles were archived by the time the last completed run that covered their
    section finished: a listing page holding only settled, undue articles ends an incremental
    walk, while articles archived by a later, interrupted run do not.

    Attempted URLs are the ones not archived (an archived URL is known, which says more).
    Listing dates are those of the articles requested from the start (due and removed ones).
    The database makes every selection, reading a covering index rather than the articles, so
    opening a crawl costs one pass over the sections' URLs however long the history.
    """
    unarchived = unarchived_fetches(session)
    plan = CrawlPlan(retry=[url for url, loaded in unarchived if not loaded])
    plan.attempted.update(url for url, _ in unarchived)
    settled_since, plan.walked_sections = completed_walks(session)
    window_start = now - timedelta(days=refresh_days)
    due = Article.published_at >= window_start
    removed = Article.removed_at.is_not(None)
    settled_in = [
        (Article.section == section) & (Article.first_seen_at <= since)
        for section, since in settled_since.items()
        if section in sections
    ]
    connection = session.connection()  # Core rows: a hundred thousand of them, no ORM
    rows = connection.execute(
        select(
            Article.url,
            case((due, 1), else_=0),
            case((removed, 1), else_=0),
            case((or_(*settled_in), 1), else_=0) if settled_in else literal(0),
            case((due | removed, Article.listing_date), else_=None),
        ).where(Article.section.in_(sections))
    )
    for url, is_due, is_removed, is_settled, listing_date in rows:
        plan.known.add(url)
        if is_due:
            plan.due.add(url)
        if is_removed:
            plan.removed.add(url)
        if is_settled:
            plan.settled.add(url)
        if listing_date is not None:
            plan.listing_dates[url] = listing_date
    redirects = session.execute(
        select(Fetch.redirected_from, Fetch.url)
        .join(Article, Article.url == Fetch.url)
        .where(Fetch.redirected_from.is_not(None), Article.section.in_(sections))
        .distinct()
    ).all()
    for alias, target in redirects:
        plan.known.add(alias)
        if target in plan.settled:
            plan.settled.add(alias)
    return plan


def completed_walks(session: Session) -> tuple[dict[str, datetime], set[str]]:
    """When each section's last completed run ended, and every section a completed run walked.

    Reads two small columns of the completed runs, newest first, not the runs themselves.
    """
    settled_since: dict[str, datetime] = {}
    walked: set[str] = set()
    rows = session.execute(
        select(
            CrawlRun.sections,
            CrawlRun.sections_walked,
            func.coalesce(CrawlRun.finished_at, CrawlRun.started_at),
        )
        .where(CrawlRun.outcome == "completed")
        .order_by(CrawlRun.id.desc())
    )
    for covered, sections_walked, ended in rows:
        for section in covered or []:
            settled_since.setdefault(section, ended)
        walked.update(sections_walked or [])
    return settled_since, walked

"""What a crawl should fetch: the archive's side of the crawl plan, read in a few queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from archive.dating import FUTURE_TOLERANCE
from archive.fetches import unarchived_fetches
from archive.models import Article, CrawlRun, Fetch


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
    due = (Article.published_at >= window_start) & (Article.published_at <= now + FUTURE_TOLERANCE)
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
        if alias is None:
            continue
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

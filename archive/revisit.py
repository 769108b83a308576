"""The rolling revisit: which archived articles a run re-reads, and how current the archive is.

`--revisit-days D` re-reads every online article outside the refresh window at least once every
D days, whatever the cron frequency, with the work spread evenly over time: a run re-reads the
share of the N such articles that the time elapsed since the last completed run entitles,
ceil(N x elapsed / D), those fetched longest ago first. Days are those of the crawl's clock
(CITYNEWS_NOW when set). A first run re-reads nothing (everything was just fetched); a fresh
archive is then re-read over the next D days. A stopped run moves nothing forward: the next run
is entitled to the time since the last completed one, and ordering by the last successful fetch
puts first the articles the stopped run did not reach.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from archive.dating import dated_in_the_future
from archive.models import Article, CrawlRun

ONE_DAY = timedelta(days=1)


def revisit_batch_size(candidates: int, revisit_days: int, elapsed: timedelta = ONE_DAY) -> int:
    """How many articles a run re-reads: ceil(N x elapsed / D), at most N; none when D is 0."""
    if revisit_days <= 0 or candidates <= 0 or elapsed <= timedelta(0):
        return 0
    share = candidates * (elapsed / timedelta(days=revisit_days))
    return min(candidates, math.ceil(round(share, 6)))


def elapsed_since_last_completed_run(
    session: Session, sections: list[str], now: datetime
) -> timedelta:
    """Time on the crawl's clock since the last completed run that covered all the sections
    started; none when there is no such run (nothing to revisit yet) or the clock went back."""
    rows = session.execute(
        select(CrawlRun.sections, func.coalesce(CrawlRun.clock, CrawlRun.started_at))
        .where(CrawlRun.outcome == "completed")
        .order_by(CrawlRun.id.desc())
    )
    for covered, clock in rows:
        if set(sections) <= set(covered or []):
            elapsed: timedelta = now - clock
            return max(elapsed, timedelta(0))
    return timedelta(0)


def _outside_window(
    sections: list[str], window_start: datetime, now: datetime | None
) -> ColumnElement[bool]:
    """Online articles of the sections that the refresh window does not cover (those dated
    more than a day after now are not in it)."""
    not_recent = or_(Article.published_at.is_(None), Article.published_at < window_start)
    if now is not None:
        not_recent = or_(not_recent, dated_in_the_future(now))
    return and_(Article.section.in_(sections), Article.removed_at.is_(None), not_recent)


def articles_to_revisit(
    session: Session,
    sections: list[str],
    window_start: datetime,
    revisit_days: int,
    elapsed: timedelta = ONE_DAY,
) -> list[str]:
    """URLs of the articles outside the window that a run re-reads, oldest fetch first."""
    return list(revisit_choice(session, sections, window_start, revisit_days, elapsed))


def revisit_choice(
    session: Session,
    sections: list[str],
    window_start: datetime,
    revisit_days: int,
    elapsed: timedelta = ONE_DAY,
    now: datetime | None = None,
) -> dict[str, date | None]:
    """The articles to revisit, oldest fetch first, with the date their listing showed.

    A page without a date of its own is dated from its listing; a revisit requests it without
    walking the listing, so the archived listing date goes with the request.
    """
    if revisit_days <= 0 or not sections:
        return {}
    outside = _outside_window(sections, window_start, now)
    candidates = session.scalar(select(func.count(Article.id)).where(outside)) or 0
    batch = revisit_batch_size(candidates, revisit_days, elapsed)
    if batch == 0:
        return {}
    stmt = (
        select(Article.url, Article.listing_date)
        .where(outside)
        .order_by(Article.last_fetched_at, Article.id)
        .limit(batch)
    )
    return {url: listed for url, listed in session.execute(stmt)}


@dataclass(frozen=True)
class RevisitCoverage:
    """How recently the online articles of the archive were read."""

    online: int
    fetched_recently: int
    revisit_days: int
    oldest_fetch: datetime | None
    oldest_url: str | None

    @property
    def share(self) -> float:
        """Share of online articles fetched within the last D days."""
        return self.fetched_recently / self.online if self.online else 0.0


def revisit_coverage(session: Session, now: datetime, revisit_days: int) -> RevisitCoverage:
    """Online articles, those fetched within the last D days, and the oldest last fetch."""
    online = Article.removed_at.is_(None)
    since = now - timedelta(days=revisit_days)
    total, recent = session.execute(
        select(
            func.count(Article.id),
            func.count(Article.id).filter(Article.last_fetched_at >= since),
        ).where(online)
    ).one()
    oldest = session.execute(
        select(Article.last_fetched_at, Article.url)
        .where(online)
        .order_by(Article.last_fetched_at, Article.id)
        .limit(1)
    ).first()
    return RevisitCoverage(
        online=total,
        fetched_recently=recent,
        revisit_days=revisit_days,
        oldest_fetch=oldest[0] if oldest else None,
        oldest_url=oldest[1] if oldest else None,
    )

"""The rolling revisit: which archived articles a run re-reads, and how current the archive is.

Every run re-fetches the ceil(N / D) online articles outside the refresh window that were
fetched longest ago (N of them in the crawled sections, D the revisit period in days), so that
daily runs re-read the whole archive every D days. Ordering by the last successful fetch means
that articles a stopped or failed run did not reach come first on the next run.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from archive.models import Article


def revisit_batch_size(candidates: int, revisit_days: int) -> int:
    """How many articles one run re-reads: ceil(N / D), none when D is 0."""
    if revisit_days <= 0 or candidates <= 0:
        return 0
    return math.ceil(candidates / revisit_days)


def _outside_window(sections: list[str], window_start: datetime) -> ColumnElement[bool]:
    """Online articles of the sections that the refresh window does not cover."""
    return and_(
        Article.section.in_(sections),
        Article.removed_at.is_(None),
        or_(Article.published_at.is_(None), Article.published_at < window_start),
    )


def articles_to_revisit(
    session: Session, sections: list[str], window_start: datetime, revisit_days: int
) -> list[str]:
    """URLs of the ceil(N / D) articles outside the window fetched longest ago, oldest first."""
    return list(revisit_choice(session, sections, window_start, revisit_days))


def revisit_choice(
    session: Session, sections: list[str], window_start: datetime, revisit_days: int
) -> dict[str, date | None]:
    """The articles to revisit, oldest fetch first, with the date their listing showed.

    A page without a date of its own is dated from its listing; a revisit requests it without
    walking the listing, so the archived listing date goes with the request.
    """
    if revisit_days <= 0 or not sections:
        return {}
    outside = _outside_window(sections, window_start)
    candidates = session.scalar(select(func.count(Article.id)).where(outside)) or 0
    batch = revisit_batch_size(candidates, revisit_days)
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

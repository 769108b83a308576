"""What the status and stats reports read from the archive: articles per section, the requests
of the latest runs, the URLs whose latest fetch failed, and article and view tallies.

Every function takes a session and only reads. Long results are streamed a batch at a time,
so memory stays flat whatever the archive's size.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.orm import Session

from archive.models import Article, CrawlRun, Fetch

# Runs that recorded no request count of their own: still going, or killed before they could.
UNFINISHED = ("running", "killed")
STREAM_BATCH = 1000


@dataclass(frozen=True)
class SectionCount:
    """A section's articles, and how many of them were removed from the site."""

    section: str
    articles: int
    removed: int


@dataclass(frozen=True)
class ArticleTotals:
    """The archive's articles per section, and how many lack a title, a date or a body."""

    sections: list[SectionCount]
    missing_basics: int

    @property
    def articles(self) -> int:
        return sum(count.articles for count in self.sections)

    @property
    def removed(self) -> int:
        return sum(count.removed for count in self.sections)


def section_counts(session: Session) -> list[SectionCount]:
    """The articles and removed articles of each section, in section order."""
    rows = session.execute(
        select(Article.section, func.count(Article.id), func.count(Article.removed_at))
        .group_by(Article.section)
        .order_by(Article.section)
    )
    return [SectionCount(section, count, removed) for section, count, removed in rows]


def missing_basics(session: Session) -> int:
    """How many articles lack a title, a publication date or a body."""
    return (
        session.scalar(
            select(func.count(Article.id)).where(
                (Article.title.is_(None))
                | (Article.published_at.is_(None))
                | (Article.body_text == "")
            )
        )
        or 0
    )


def article_totals(session: Session) -> ArticleTotals:
    """The articles per section, and those missing a title, a date or a body."""
    return ArticleTotals(section_counts(session), missing_basics(session))


def fetches_per_run(session: Session, run_ids: list[int]) -> dict[int, int]:
    """How many requests each run recorded in fetches."""
    rows = session.execute(
        select(Fetch.crawl_run_id, func.count(Fetch.id))
        .where(Fetch.crawl_run_id.in_(run_ids))
        .group_by(Fetch.crawl_run_id)
    )
    return {run_id: count for run_id, count in rows if run_id is not None}


def requests_of_runs(session: Session, runs: list[CrawlRun]) -> dict[int, int]:
    """How many requests each run made: the count a finished run recorded; for a run still
    going or killed, the fetches it recorded so far."""
    unfinished = [run.id for run in runs if run.outcome in UNFINISHED]
    fetched = fetches_per_run(session, unfinished) if unfinished else {}
    return {
        run.id: fetched.get(run.id, 0) if run.outcome in UNFINISHED else run.requests
        for run in runs
    }


@dataclass(frozen=True)
class FailedFetch:
    """The latest fetch of a URL, when it failed."""

    url: str
    fetched_at: datetime
    status: int | None
    error: str | None


def failed_fetches(session: Session) -> list[FailedFetch]:
    """The fetches of URLs whose latest fetch failed (not fetched successfully since), newest
    first."""
    latest = (
        select(func.max(Fetch.id).label("id"))
        .where(Fetch.ignored.is_(False))
        .group_by(Fetch.url)
        .subquery()
    )
    rows = session.execute(
        select(Fetch.url, Fetch.fetched_at, Fetch.status, Fetch.error)
        .join(latest, Fetch.id == latest.c.id)
        .where(Fetch.ok.is_(False))
        .order_by(Fetch.fetched_at.desc(), Fetch.id.desc())
    )
    return [FailedFetch(url, fetched_at, status, error) for url, fetched_at, status, error in rows]


@dataclass
class Tally:
    """Articles and the sum of their view counts (an article without one adds none)."""

    articles: int = 0
    views: int = 0


@dataclass(frozen=True)
class ViewedArticle:
    views: int
    published_at: datetime | None
    title: str | None
    url: str


def _published_within(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    conditions = []
    if since:
        conditions.append(Article.published_at >= since)
    if until:
        conditions.append(Article.published_at < until)
    return conditions


def _streaming(session: Session) -> Connection:
    """The session's connection, reading the rows of a select a batch at a time."""
    return session.connection().execution_options(stream_results=True, yield_per=STREAM_BATCH)


def article_tallies(
    session: Session,
    by: str,
    tz: ZoneInfo,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[dict[str | None, Tally], Tally]:
    """The articles published in [since, until) and their views, by section, or by month
    ('2024-03') or year ('2024') of publication in the zone (None: no publication date); and
    their total. The articles are streamed, so memory stays flat."""
    groups: dict[str | None, Tally] = {}
    total = Tally()
    rows = _streaming(session).execute(
        select(Article.section, Article.published_at, Article.views).where(
            *_published_within(since, until)
        )
    )
    for section, published_at, views in rows:
        key: str | None
        if by == "section":
            key = section
        elif published_at is None:
            key = None
        else:
            local = published_at.astimezone(tz)
            key = f"{local:%Y-%m}" if by == "month" else f"{local:%Y}"
        group = groups.setdefault(key, Tally())
        for tally in (group, total):
            tally.articles += 1
            tally.views += views or 0
    return groups, total


def count_viewed(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> int:
    """How many articles published in [since, until) have a view count."""
    return (
        session.scalar(
            select(func.count(Article.id)).where(
                Article.views.is_not(None), *_published_within(since, until)
            )
        )
        or 0
    )


def iter_most_viewed(
    session: Session, limit: int, since: datetime | None = None, until: datetime | None = None
) -> Iterator[ViewedArticle]:
    """The `limit` most viewed articles published in [since, until), most viewed first,
    streamed."""
    rows = _streaming(session).execute(
        select(Article.views, Article.published_at, Article.title, Article.url)
        .where(Article.views.is_not(None), *_published_within(since, until))
        .order_by(Article.views.desc(), Article.id)
        .limit(limit)
    )
    for views, published_at, title, url in rows:
        yield ViewedArticle(cast(int, views), published_at, title, url)  # selected not null

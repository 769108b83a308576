"""What changed in the archive: the articles first seen, edited, removed and restored in a period
or in one crawl run, and the newest articles a feed lists.

A period is [since, until): aware datetimes. Every function takes a session and only reads.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from archive.digest_queries import ARTICLE_COLUMNS, ArticleLine, Edit, edits, events
from archive.models import Article, ArticleEvent, CrawlRun, Revision
from archive.search.query import Query
from archive.search.running import Scope, matching_article_ids

CHANGE_KINDS = ("new", "edited", "removed", "restored")
SUMMARY_SOURCE_CHARS = 2000  # enough text for any summary, however long the article


@dataclass(frozen=True)
class Change:
    """One thing that happened to an article: first seen (new), edited, removed or restored."""

    kind: str
    at: datetime
    article: ArticleLine
    edit: Edit | None = None  # for an edit: the title and text before and after
    status: int | None = None  # for a removal: the HTTP status the site answered


@dataclass(frozen=True)
class RunPeriod:
    """The time a crawl run wrote in: from its start to its end (or the next run's start, or
    now, when it recorded no end)."""

    run_id: int
    since: datetime
    until: datetime


@dataclass(frozen=True)
class FeedEntry:
    """What a feed shows of an article."""

    url: str
    title: str | None
    section: str
    text_start: str  # the first characters of its text
    published_at: datetime | None
    first_seen_at: datetime
    last_changed_at: datetime


def run_period(session: Session, run_id: int, now: datetime) -> RunPeriod | None:
    """The period crawl run run_id wrote in, or None when the archive has no such run."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        return None
    until = run.finished_at or session.scalar(
        select(func.min(CrawlRun.started_at)).where(CrawlRun.id > run_id)
    )
    return RunPeriod(run.id, run.started_at, until or now)


def last_completed_run_start(session: Session) -> datetime | None:
    """When the last crawl run that completed started, or None when none has."""
    return session.scalar(
        select(CrawlRun.started_at)
        .where(CrawlRun.outcome == "completed")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    )


def first_seen(session: Session, since: datetime, until: datetime) -> list[Change]:
    """Articles the archive first saw in the period, in the order they were seen."""
    rows = session.execute(
        select(*ARTICLE_COLUMNS, Article.first_seen_at)
        .where(Article.first_seen_at >= since, Article.first_seen_at < until)
        .order_by(Article.first_seen_at, Article.id)
    ).all()
    return [Change("new", row.first_seen_at, ArticleLine(*row[:-1])) for row in rows]


def changes(
    session: Session, since: datetime, until: datetime, sections: Sequence[str] = ()
) -> list[Change]:
    """Everything that happened to articles in the period, in time order; only in the given
    sections when any are given."""
    found = first_seen(session, since, until)
    found += [
        Change("edited", edit.at, edit.article, edit=edit) for edit in edits(session, since, until)
    ]
    found += [
        Change(event.kind, event.at, event.article, status=event.status)
        for event in events(session, since, until)
    ]
    if sections:
        found = [change for change in found if change.article.section in sections]
    order = {kind: rank for rank, kind in enumerate(CHANGE_KINDS)}
    return sorted(found, key=lambda c: (c.at, order.get(c.kind, len(order)), c.article.id))


def feed_entries(
    session: Session, sections: Sequence[str], query: Query | None, limit: int
) -> list[FeedEntry]:
    """The newest articles still on the site (by publication, else by first sight), at most
    limit; only in the given sections when any are given, only those matching query (in their
    own text or their documents', as `citynews search` finds them) when there is one.

    Dated and undated articles are read apart, each newest first, so that the index on the
    publication date finds the newest without sorting the archive."""
    conditions: list[ColumnElement[bool]] = [Article.removed_at.is_(None)]
    if sections:
        conditions.append(Article.section.in_(list(sections)))
    if query is not None:
        conditions.append(Article.id.in_(matching_article_ids(session, query, Scope.ALL)))
    dated = _feed_rows(session, [*conditions, Article.published_at.is_not(None)], limit, dated=True)
    undated = _feed_rows(session, [*conditions, Article.published_at.is_(None)], limit, dated=False)
    newest = sorted(
        [*dated, *undated],
        key=lambda entry: (entry.published_at or entry.first_seen_at, entry.first_seen_at),
        reverse=True,
    )
    return newest[:limit]


def _feed_rows(
    session: Session, conditions: list[ColumnElement[bool]], limit: int, dated: bool
) -> list[FeedEntry]:
    newest = Article.published_at if dated else Article.first_seen_at
    rows = session.execute(
        select(
            Article.url,
            Article.title,
            Article.section,
            func.substr(Article.body_text, 1, SUMMARY_SOURCE_CHARS),
            Article.published_at,
            Article.first_seen_at,
            Article.last_changed_at,
        )
        .where(*conditions)
        .order_by(newest.desc(), Article.first_seen_at.desc(), Article.id.desc())
        .limit(limit)
    ).all()
    return [FeedEntry(*row) for row in rows]


def change_counts(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    """How many changes of each kind the period holds, counted in the archive (CHANGE_KINDS)."""
    new = session.scalar(
        select(func.count(Article.id)).where(
            Article.first_seen_at >= since, Article.first_seen_at < until
        )
    )
    edited = session.scalar(
        select(func.count(Revision.id)).where(
            Revision.replaced_at >= since, Revision.replaced_at < until
        )
    )
    events_of_kind = session.execute(
        select(ArticleEvent.kind, func.count(ArticleEvent.id))
        .where(ArticleEvent.at >= since, ArticleEvent.at < until)
        .group_by(ArticleEvent.kind)
    )
    counted = {kind: count for kind, count in events_of_kind}
    return {
        "new": new or 0,
        "edited": edited or 0,
        "removed": counted.get("removed", 0),
        "restored": counted.get("restored", 0),
    }

"""What a digest of a period reads from the archive: publications, view counts, edits, removals.

A period is [since, until): aware datetimes. Every function takes a session and only reads.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from archive.dating import not_dated_in_the_future
from archive.models import Article, ArticleEvent, Revision, ViewObservation

ARTICLE_COLUMNS = (
    Article.id,
    Article.url,
    Article.title,
    Article.section,
    Article.published_at,
    Article.views,
    Article.removed_at,
)


@dataclass(frozen=True)
class ArticleLine:
    """What a digest shows of an article: enough to name it and link to it."""

    id: int
    url: str
    title: str | None
    section: str
    published_at: datetime | None
    views: int | None
    removed_at: datetime | None


@dataclass(frozen=True)
class Published:
    """An article published in the period, with its last view count read by the period's end
    (None when the crawler read none by then)."""

    article: ArticleLine
    views: int | None
    read_at: datetime | None


@dataclass(frozen=True)
class ViewChange:
    """An article's view count at the start and at the end of a period."""

    article: ArticleLine
    start_views: int
    end_views: int
    start_at: datetime
    end_at: datetime

    @property
    def growth(self) -> int:
        """Views gained over the period."""
        return self.end_views - self.start_views


@dataclass(frozen=True)
class Edit:
    """One change of an article's title or text, seen in the period."""

    article: ArticleLine
    at: datetime
    before_title: str | None
    before_body: str
    after_title: str | None
    after_body: str


@dataclass(frozen=True)
class Event:
    """An article found removed (404/410) or restored in the period."""

    article: ArticleLine
    at: datetime
    kind: str
    status: int | None


def _line(row: object) -> ArticleLine:
    """An ArticleLine from a row that starts with ARTICLE_COLUMNS."""
    return ArticleLine(*row[: len(ARTICLE_COLUMNS)])  # type: ignore[index]


def archive_size(session: Session) -> int:
    """How many articles the archive holds."""
    return session.scalar(select(func.count(Article.id))) or 0


def new_articles(session: Session, since: datetime, until: datetime) -> list[Published]:
    """Articles published in the period, by section, oldest first, each with its last view
    count read by the period's end."""
    obs = ViewObservation
    last_read = (
        select(func.max(obs.observed_at))
        .where(obs.article_id == Article.id, obs.observed_at < until)
        .correlate(Article)
        .scalar_subquery()
    )
    rows = session.execute(
        select(*ARTICLE_COLUMNS, obs.views.label("read_views"), obs.observed_at.label("read_at"))
        .outerjoin(obs, and_(obs.article_id == Article.id, obs.observed_at == last_read))
        .where(Article.published_at >= since, Article.published_at < until)
        .order_by(Article.section, Article.published_at, Article.id)
    ).all()
    return [Published(_line(row), row.read_views, row.read_at) for row in rows]


def _view_changes(since: datetime, until: datetime) -> Select[*tuple[Any, ...]]:
    """Articles read in the period with their first and last reading.

    The first reading is the last one before the period when there is one, else the first one
    in it; the last reading is the last one in the period.
    """
    obs = ViewObservation
    bounds = (
        select(
            obs.article_id,
            func.max(case((obs.observed_at < since, obs.observed_at))).label("before_at"),
            func.min(case((obs.observed_at >= since, obs.observed_at))).label("first_at"),
            func.max(obs.observed_at).label("last_at"),
        )
        .where(obs.observed_at < until)
        .group_by(obs.article_id)
        .having(func.max(obs.observed_at) >= since)
        .subquery()
    )
    start, end = aliased(obs), aliased(obs)
    return (
        select(
            *ARTICLE_COLUMNS,
            start.views.label("start_views"),
            end.views.label("end_views"),
            start.observed_at.label("start_at"),
            end.observed_at.label("end_at"),
        )
        .join(bounds, bounds.c.article_id == Article.id)
        .join(
            start,
            and_(
                start.article_id == Article.id,
                start.observed_at == func.coalesce(bounds.c.before_at, bounds.c.first_at),
            ),
        )
        .join(end, and_(end.article_id == Article.id, end.observed_at == bounds.c.last_at))
        .where(not_dated_in_the_future(until))
    )


def _change(row: Row[*tuple[Any, ...]]) -> ViewChange:
    return ViewChange(_line(row), row.start_views, row.end_views, row.start_at, row.end_at)


def most_viewed(session: Session, since: datetime, until: datetime, limit: int) -> list[ViewChange]:
    """Articles read in the period with the highest view count at its end: all-time totals."""
    stmt = _view_changes(since, until).subquery()
    rows = session.execute(
        select(stmt).order_by(stmt.c.end_views.desc(), stmt.c.id).limit(limit)
    ).all()
    return [_change(row) for row in rows]


def biggest_growth(
    session: Session, since: datetime, until: datetime, limit: int
) -> list[ViewChange]:
    """Articles whose view count grew most over the period (growth above zero only)."""
    stmt = _view_changes(since, until).subquery()
    growth = stmt.c.end_views - stmt.c.start_views
    rows = session.execute(
        select(stmt).where(growth > 0).order_by(growth.desc(), stmt.c.id).limit(limit)
    ).all()
    return [_change(row) for row in rows]


def view_series(
    session: Session, article_ids: list[int], since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, int]]]:
    """Each article's readings in the period, after its last reading before it (if any)."""
    rows = session.execute(
        select(ViewObservation.article_id, ViewObservation.observed_at, ViewObservation.views)
        .where(ViewObservation.article_id.in_(article_ids), ViewObservation.observed_at < until)
        .order_by(ViewObservation.article_id, ViewObservation.observed_at)
    ).all()
    series: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for article_id, observed_at, views in rows:
        points = series[article_id]
        if observed_at < since:
            points[:] = [(observed_at, views)]
        else:
            points.append((observed_at, views))
    return dict(series)


def edits(session: Session, since: datetime, until: datetime) -> list[Edit]:
    """Changes of title or text seen in the period, each with the version that replaced it."""
    after = aliased(Revision)
    rows: Sequence[Row[*tuple[Any, ...]]] = session.execute(
        select(
            *ARTICLE_COLUMNS,
            Revision.replaced_at,
            Revision.title,
            Revision.body_text,
            after.title,
            after.body_text,
            Article.title,
            Article.body_text,
        )
        .join(Revision, Revision.article_id == Article.id)
        .outerjoin(
            after,
            and_(after.article_id == Article.id, after.observed_at == Revision.replaced_at),
        )
        .where(Revision.replaced_at >= since, Revision.replaced_at < until)
        .order_by(Revision.replaced_at, Revision.id)
    ).all()
    found = []
    for row in rows:
        at, before_title, before_body, later_title, later_body, title, body = row[-7:]
        later = later_body is not None
        found.append(
            Edit(
                article=_line(row),
                at=at,
                before_title=before_title,
                before_body=before_body,
                after_title=later_title if later else title,
                after_body=later_body if later else body,
            )
        )
    return found


def events(session: Session, since: datetime, until: datetime) -> list[Event]:
    """Removals and restorations found in the period, in time order."""
    rows = session.execute(
        select(*ARTICLE_COLUMNS, ArticleEvent.at, ArticleEvent.kind, ArticleEvent.status)
        .join(ArticleEvent, ArticleEvent.article_id == Article.id)
        .where(ArticleEvent.at >= since, ArticleEvent.at < until)
        .order_by(ArticleEvent.at, ArticleEvent.id)
    ).all()
    return [Event(_line(row), row.at, row.kind, row.status) for row in rows]

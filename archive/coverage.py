"""Field coverage by publication year and section: where the archive lacks data.

One grouped query counts, per publication year (in the site's time zone), section and
combination of fields present, the articles and those fetched since a moment (a crawl's start).
Everything else is arithmetic on those few rows:

- a group (year × section) is low in a field when it has at least MIN_ARTICLES articles and
  fewer than MIN_SHARE of them have the field, while its section has the field;
- a section has a field when at least MIN_SHARE of its articles have it, or when most of its
  articles are in years where at least MIN_SHARE have it (so a silent era of any size shows,
  and a field a section never shows, such as views on traffic notices, is never low).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import MAXYEAR, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
)
from sqlalchemy.orm import Session, aliased

from archive.models import Article

FIELDS = ("published_minute", "views", "body", "updated")
MIN_SHARE = 0.9
MIN_ARTICLES = 10


def field_present() -> dict[str, ColumnElement[bool]]:
    """Whether an article has each field: a publication time to the minute, a view count, a
    body text, an update time. All of it is read from indexes (ix_articles_coverage, and
    ix_articles_empty_body for the articles without a body), never from the rows, whose
    bodies are most of the archive's size."""
    empty = aliased(Article)
    return {
        "published_minute": Article.published_at.is_not(None)
        & (Article.published_precision == "minute"),
        "views": Article.views.is_not(None),
        "body": Article.id.not_in(select(empty.id).where(empty.body_text == literal_column("''"))),
        "updated": Article.updated_at.is_not(None),
    }


@dataclass(frozen=True)
class Cell:
    """Articles of one year and section that have the same fields."""

    year: int | None
    section: str
    present: frozenset[str]
    articles: int
    fetched: int  # of them, fetched since the moment asked about


@dataclass(frozen=True)
class Group:
    """One year × section: its articles and how many of them have each field."""

    year: int | None
    section: str
    articles: int
    present: dict[str, int]

    def share(self, name: str) -> float:
        return self.present[name] / self.articles if self.articles else 0.0


@dataclass(frozen=True)
class Gap:
    """A field a group lacks while its section has it."""

    field: str
    year: int | None
    section: str
    present: int
    articles: int
    section_share: float  # of the section's articles that have the field

    @property
    def share(self) -> float:
        return self.present / self.articles


@dataclass(frozen=True)
class Coverage:
    """The coverage rows of the archive, and what follows from them."""

    cells: list[Cell]
    groups: list[Group] = field(init=False)  # year × section
    sections: dict[str, Group] = field(init=False)  # every year of a section (year None)
    section_fields: dict[str, dict[str, float]] = field(init=False)  # section: field: share

    def __post_init__(self) -> None:
        groups = grouped(self.cells, lambda cell: cell.articles)
        sections = grouped(self.cells, lambda cell: cell.articles, by_year=False)
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "sections", {total.section: total for total in sections})
        object.__setattr__(self, "section_fields", fields_of_sections(groups, self.sections))

    def is_low(self, group: Group, name: str) -> bool:
        """Whether a group of enough articles lacks a field its section has."""
        return (
            group.articles >= MIN_ARTICLES
            and group.share(name) < MIN_SHARE
            and name in self.section_fields.get(group.section, {})
        )

    def gaps(self, groups: Iterable[Group]) -> list[Gap]:
        """The low fields of these groups, in year, section and field order."""
        return [
            Gap(
                name,
                g.year,
                g.section,
                g.present[name],
                g.articles,
                self.section_fields[g.section][name],
            )
            for g in groups
            for name in FIELDS
            if self.is_low(g, name)
        ]

    def fetched_groups(self) -> list[Group]:
        """The groups as counted over the articles fetched since the moment asked about."""
        return [g for g in grouped(self.cells, lambda cell: cell.fetched) if g.articles]

    def fetched_gaps(self) -> tuple[list[Gap], int, int]:
        """The gaps among the fetched articles; how many fetched articles lack a field of a
        gap of their group, and how many were fetched."""
        gaps = self.gaps(self.fetched_groups())
        low = {(gap.year, gap.section, gap.field) for gap in gaps}
        lacking = sum(
            cell.fetched
            for cell in self.cells
            if any(
                (cell.year, cell.section, name) in low
                for name in FIELDS
                if name not in cell.present
            )
        )
        return gaps, lacking, sum(cell.fetched for cell in self.cells)


def grouped(
    cells: Iterable[Cell], count: Callable[[Cell], int], by_year: bool = True
) -> list[Group]:
    """Cells summed into year × section groups, oldest year first (no date last), or into
    sections (year None)."""
    articles: dict[tuple[int | None, str], int] = defaultdict(int)
    present: dict[tuple[int | None, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(FIELDS, 0)
    )
    for cell in cells:
        key = (cell.year if by_year else None, cell.section)
        articles[key] += count(cell)
        for name in cell.present:
            present[key][name] += count(cell)
    order = sorted(articles, key=lambda key: (key[0] is None, key[0] or 0, key[1]))
    return [
        Group(year, section, articles[year, section], present[year, section])
        for year, section in order
    ]


def fields_of_sections(
    groups: list[Group], sections: dict[str, Group]
) -> dict[str, dict[str, float]]:
    """The fields each section has (see the module's docstring), with their shares."""
    found: dict[str, dict[str, float]] = {}
    for section, total in sections.items():
        found[section] = {}
        for name in FIELDS:
            in_covered_years = sum(
                g.articles for g in groups if g.section == section and g.share(name) >= MIN_SHARE
            )
            if total.share(name) >= MIN_SHARE or in_covered_years > total.articles / 2:
                found[section][name] = total.share(name)
    return found


def years_published(session: Session, tz: ZoneInfo) -> list[int]:
    """The years (in the site's time zone) that have articles: one index seek per year."""
    years: list[int] = []
    first = session.scalar(select(func.min(Article.published_at)))
    while first is not None:
        years.append(first.astimezone(tz).year)
        if years[-1] >= MAXYEAR - 1:
            break
        next_year = datetime(years[-1] + 1, 1, 1, tzinfo=tz)
        first = session.scalar(
            select(func.min(Article.published_at)).where(Article.published_at >= next_year)
        )
    return years


def publication_year(session: Session, tz: ZoneInfo) -> ColumnElement[int | None]:
    """The year of publication in the site's time zone, as SQL: a CASE over the exact UTC
    instants the years with articles begin, newest first."""
    years = years_published(session, tz)
    if not years:
        return literal(None, Integer)
    return case(
        (Article.published_at.is_(None), null()),
        *(
            (Article.published_at >= datetime(year, 1, 1, tzinfo=tz), literal(year))
            for year in reversed(years[1:])
        ),
        else_=literal(years[0]),
    )


def coverage(session: Session, tz: ZoneInfo, fetched_since: datetime | None = None) -> Coverage:
    """The archive's coverage rows, in one grouped query; `fetched` counts the articles last
    fetched at or after `fetched_since` (none when it is None). The fields an article has are
    grouped as one number, a bit per field."""
    fields = sum(
        (case((has, 2**bit), else_=0) for bit, has in enumerate(field_present().values())),
        start=literal(0),
    )
    fetched = (
        case((Article.last_fetched_at >= fetched_since, 1), else_=0)
        if fetched_since
        else literal(0)
    )
    rows = select(
        publication_year(session, tz).label("year"),
        Article.section.label("section"),
        fields.label("fields"),
        fetched.label("fetched"),
    ).subquery()
    keys = [rows.c.year, rows.c.section, rows.c.fields]
    counted: list[Any] = list(
        session.execute(select(*keys, func.count(), func.sum(rows.c.fetched)).group_by(*keys))
    )
    return Coverage(
        [
            Cell(
                year=year,
                section=section,
                present=frozenset(name for bit, name in enumerate(FIELDS) if fields & 2**bit),
                articles=articles,
                fetched=int(fetched_count or 0),
            )
            for year, section, fields, articles, fetched_count in counted
        ]
    )

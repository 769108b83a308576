"""The publication date, update date and view count of an article, found among its lines.

A reader finds them by their labels («Опубликовано», «Дата публикации», «Размещено», «Дата»,
«Актуализировано», «Обновлено», «Просмотров», «Количество просмотров», …) wherever they stand,
or, without a label, as a date alone on a line next to the title or right after the text.
Lines in the page's chrome (side lists of other articles, footer, menus) are never read.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from scraper.parsing.dates import (
    PLAIN_DATE_LABEL_RE,
    PUBLISHED_RE,
    UPDATED_RE,
    FoundDate,
    find_dates,
    find_views,
    is_label_only,
    labelled_date,
    meta_residue,
    place_in_zone,
)
from scraper.parsing.page_lines import Line

# A date after the text may be followed by a few short lines («Назад», «Версия для печати»).
MAX_TRAILING_LINES = 2
MAX_TRAILING_LENGTH = 60
_YEAR_RE = re.compile(r"\d{4}")
_VIEWS_WORD_RE = re.compile("просмотр", re.IGNORECASE)


@dataclass(frozen=True)
class LineFacts:
    """What one line says of the meta fields."""

    line: Line
    text: str  # the line's text, joined with the next line when it was a label alone
    value_line: Line | None = None  # that next line
    published: FoundDate | None = None
    published_label: str = ""  # "strong" («Опубликовано»…), "plain" («Дата»), "" (none)
    updated: FoundDate | None = None
    views: int | None = None
    meta_only: bool = False  # nothing on the line but dates, times, counts and labels

    @property
    def says_anything(self) -> bool:
        return bool(self.published or self.updated or self.views is not None)


@dataclass
class FoundMeta:
    raw: str | None = None
    published_at: datetime | None = None
    published_has_time: bool = False
    updated_at: datetime | None = None
    views: int | None = None
    cue: str | None = None  # "meta-element", "page-text", "date-line" (see article.py)
    elements: list[object] = field(default_factory=list)  # the blocks holding the meta line
    warnings: list[str] = field(default_factory=list)


def read_line(line: Line, text: str | None = None, value_line: Line | None = None) -> LineFacts:
    """The meta facts of one line (with the line holding its value, for a label alone)."""
    text = line.text if text is None else text
    dates = find_dates(text)
    views_found = find_views(text)
    views = views_found[1] if views_found else None
    meta_only = bool((dates or views_found) and not meta_residue(text))
    published, label = labelled_date(text, dates, PUBLISHED_RE), "strong"
    if published is None:
        published, label = labelled_date(text, dates, PLAIN_DATE_LABEL_RE), "plain"
    updated = labelled_date(text, dates, UPDATED_RE)
    if published is None and meta_only:
        published = next((found for found in dates if found != updated), None)
        label = ""
    if published is None:
        label = ""
    return LineFacts(line, text, value_line, published, label, updated, views, meta_only)


def may_say_anything(text: str) -> bool:
    """Whether a text can hold a date or a count: it has a year or the word for views."""
    return bool(_YEAR_RE.search(text) or _VIEWS_WORD_RE.search(text))


def line_facts(lines: list[Line], is_chrome_line: Callable[[Line], bool]) -> list[LineFacts]:
    """The facts of the lines outside the chrome that say something; a line that is a label
    alone is read with the next one."""
    facts = []
    for index, line in enumerate(lines):
        text, value_line = line.text, None
        if is_label_only(text) and index + 1 < len(lines):
            value_line = lines[index + 1]
            text = f"{text} {value_line.text}"
        if not may_say_anything(text) or is_chrome_line(line):
            continue
        fact = read_line(line, text, value_line)
        if fact.says_anything:
            facts.append(fact)
    return facts


def find_meta(
    lines: list[Line],
    title_index: int | None,
    anchor_index: int | None,
    is_chrome_line: Callable[[Line], bool],
    tz: ZoneInfo,
) -> FoundMeta:
    """The meta fields among the page's lines, nearest the anchor (the title's line, or the
    text's first line on a page without a title element) where several are found."""
    facts = line_facts(lines, is_chrome_line)
    position = {id(line): index for index, line in enumerate(lines)}

    def order(fact: LineFacts) -> tuple[int, int]:
        index = position[id(fact.line)]
        if anchor_index is None:
            return (0, index)
        return (0, index - anchor_index) if index > anchor_index else (1, anchor_index - index)

    facts = sorted(
        (fact for fact in facts if title_index is None or position[id(fact.line)] != title_index),
        key=order,
    )
    published = next((fact for fact in facts if fact.published_label == "strong"), None)
    if published is None:
        published = next((fact for fact in facts if fact.published_label == "plain"), None)
    if published is None:
        published = next(
            (
                fact
                for fact in facts
                if fact.published
                and fact.meta_only
                and stands_beside_title(
                    lines, position[id(fact.line)], anchor_index, facts, is_chrome_line
                )
            ),
            None,
        )
    updated = next((fact for fact in facts if fact.updated), None)
    views = next((fact for fact in facts if fact.views is not None), None)
    if published and published.views is not None:
        views = published
    chosen = [fact for fact in (published, updated, views) if fact is not None]
    found = FoundMeta()
    if not chosen:
        return found
    chosen = sorted(
        {id(fact): fact for fact in chosen}.values(), key=lambda fact: position[id(fact.line)]
    )
    found.raw = " ".join(dict.fromkeys(fact.text for fact in chosen))
    found.elements = list(  # elements hash by their whole HTML: keyed by identity instead
        {
            id(line.element): line.element
            for fact in chosen
            for line in (fact.line, fact.value_line)
            if line is not None
        }.values()
    )
    if published is not None and published.published and not published.published_label:
        found.cue = "date-line"
    elif all(fact.meta_only for fact in chosen):
        found.cue = "meta-element"
    else:
        found.cue = "page-text"
    if published and published.published:
        placed = place_in_zone(published.published, tz)
        found.published_at, found.published_has_time = placed.value, placed.has_time
        if placed.warning:
            found.warnings.append(placed.warning)
    if updated and updated.updated:
        placed = place_in_zone(updated.updated, tz)
        found.updated_at = placed.value
        if placed.warning:
            found.warnings.append(placed.warning)
    if views:
        found.views = views.views
    return found


def stands_beside_title(
    lines: list[Line],
    index: int,
    anchor_index: int | None,
    facts: list[LineFacts],
    is_chrome_line: Callable[[Line], bool],
) -> bool:
    """Whether an unlabelled date line sits where a reader looks for the date: next to the
    title or the text's start (only other meta lines between), or right after the text."""
    if anchor_index is None:
        return False
    meta_lines = {id(fact.line) for fact in facts}
    low, high = sorted((index, anchor_index))
    if all(id(line) in meta_lines for line in lines[low + 1 : high]):
        return True
    if index < anchor_index:
        return False
    trailing = 0
    for line in lines[index + 1 :]:
        if id(line) in meta_lines:
            continue
        if is_chrome_line(line):
            return True
        if len(line.text) > MAX_TRAILING_LENGTH or trailing == MAX_TRAILING_LINES:
            return False
        trailing += 1
    return True

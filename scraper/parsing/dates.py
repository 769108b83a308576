"""Dates, times and view counts as the site prints them."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dateparser

_DATETIME = r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*(?:г\.?)?\s*(?:в\s*)?(\d{1,2}):(\d{2}))?"
PUBLISHED_RE = re.compile(r"Опубликовано\s*:?\s*" + _DATETIME)
UPDATED_RE = re.compile(r"Актуализировано\s*:?\s*" + _DATETIME)
VIEWS_RE = re.compile(r"Просмотров\s*:?\s*(\d+(?:[\s\u00a0\u202f]\d{3})*)(?!\d)")
META_LABELS_RE = re.compile(r"Опубликовано|Актуализировано|Просмотров|Дата публикации", re.I)
NUMERIC_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
RUSSIAN_MONTHS = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
MONTH_NUMBERS = {name: number for number, name in enumerate(RUSSIAN_MONTHS.split("|"), 1)}
WORDED_DATE_RE = re.compile(rf"(?<!\d)(\d{{1,2}})\s+({RUSSIAN_MONTHS})\s+(\d{{4}})", re.I)
ABBREVIATED_MONTHS = "янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек"
ABBREVIATED_DATE_RE = re.compile(
    rf"(?<!\d)\d{{1,2}}\s+(?:{ABBREVIATED_MONTHS})[а-я]*\.?\s+\d{{4}}(?!\d)", re.I
)


@dataclass(frozen=True)
class MetaLine:
    """The article's «Опубликовано … Просмотров …» line, raw and parsed."""

    raw: str
    published_at: datetime | None
    published_has_time: bool
    updated_at: datetime | None
    views: int | None


def _aware(match: re.Match[str], tz: ZoneInfo) -> datetime | None:
    day, month, year, hour, minute = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=tz
        )
    except ValueError:
        return None


def parse_meta_line(text: str, tz: ZoneInfo) -> MetaLine | None:
    """Parse a meta line; None when the text holds no publication date nor views."""
    published = PUBLISHED_RE.search(text)
    updated = UPDATED_RE.search(text)
    views = VIEWS_RE.search(text)
    if not published and not views:
        return None
    return MetaLine(
        raw=text,
        published_at=_aware(published, tz) if published else None,
        published_has_time=bool(published and published.group(4)),
        updated_at=_aware(updated, tz) if updated else None,
        views=parse_views(views.group(1)) if views else None,
    )


def parse_views(text: str) -> int | None:
    """Parse a view count such as '1207' or '1 207'."""
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    return int(digits) if digits.isdigit() else None


def meta_residue(text: str) -> str:
    """What is left of a text once the meta line's parts are taken out."""
    for pattern in (PUBLISHED_RE, UPDATED_RE, VIEWS_RE, META_LABELS_RE):
        text = pattern.sub(" ", text)
    return re.sub(r"[\W_]+", "", text)


def find_listing_date(text: str) -> date | None:
    """Find the date an item of a listing shows: 05.03.2024 or «5 марта 2024»."""
    numeric = NUMERIC_DATE_RE.search(text)
    worded = WORDED_DATE_RE.search(text)
    if numeric and (not worded or numeric.start() < worded.start()):
        day, month, year = (int(part) for part in numeric.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if worded:
        worded_day, month_name, worded_year = worded.groups()
        try:
            return date(int(worded_year), MONTH_NUMBERS[month_name.lower()], int(worded_day))
        except ValueError:
            return None
    return parse_abbreviated_date(text)


def parse_abbreviated_date(text: str) -> date | None:
    """A date with an abbreviated month («5 мар. 2024», «12 сент 2023»), read by dateparser.

    The full month names are read by a table (fast, and the common form); dateparser reads the
    rarer abbreviations.
    """
    found = ABBREVIATED_DATE_RE.search(text)
    if not found:
        return None
    parsed = dateparser.parse(found.group(0), languages=["ru"], settings={"DATE_ORDER": "DMY"})
    return parsed.date() if parsed else None


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Midnight of a day in the site's zone, for dates known only to the day."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)

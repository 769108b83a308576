"""Dates, times and view counts in the forms Russian pages print them.

A date is found in any common form: numeric (`07.04.2017`, `7.4.2017`, `2017-04-07`) or in
words (`7 апреля 2017 г.`, `7 апр. 2017`, `7 апреля 2017 года`), with an optional time
(`18:56`, `в 18:56`, `18 ч. 56 мин.`) after it or before it. Month names are read by dateparser
(each spelling once), so any spelling it knows is understood. Local times are placed in the
site's zone; a time that the zone skips or repeats (a clock change) is resolved and named.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

_SPACE = r"[\s\u00a0\u202f]"
_TIME = (
    r"(?P<{p}hour>[01]?\d|2[0-3])"
    r"(?:\s*:\s*|\s*ч(?:ас(?:а|ов)?)?\.?\s*)"
    r"(?P<{p}minute>[0-5]\d)(?::[0-5]\d)?(?!\d)(?:\s*мин(?:ут[аы]?)?\.?)?"
)
_DAY_MONTH_YEAR = (
    r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})(?![\d.]\d)"
    r"|(?<![\d-])(?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2})(?![\d-])"
    r"|(?<!\d)(?P<word_day>\d{1,2})" + _SPACE + r"+(?P<month_word>[а-яё]{3,9})\.?"
    r"" + _SPACE + r"*(?P<word_year>\d{4})(?!\d)"
)
DATE_RE = re.compile(
    r"(?:" + _TIME.format(p="pre_") + r"[\s,]*(?=\d))?"
    r"(?:" + _DAY_MONTH_YEAR + r")"
    r"(?:" + _SPACE + r"*(?:г\.|года?\b))?"
    r"(?:(?:T|[\s,]+(?:в"
    + _SPACE
    + r"+)?|"
    + _SPACE
    + r"*[-–—/|]"
    + _SPACE
    + r"*)"
    + _TIME.format(p="")
    + r")?",
    re.IGNORECASE,
)

VIEWS_NUMBER = r"(?P<views>\d{1,3}(?:[\s\u00a0\u202f]\d{3})+(?!\d)|\d+)"
VIEWS_LABEL = r"(?:количество\s+|число\s+)?просмотр(?:ов|ы|ено|а)?"
VIEWS_RE = re.compile(
    r"(?<![а-яё])" + VIEWS_LABEL + r"(?![а-яё])\s*[:\-–—|]?\s*" + VIEWS_NUMBER, re.IGNORECASE
)
VIEWS_BEFORE_LABEL_RE = re.compile(
    r"(?<![\d:.,/\-–])" + VIEWS_NUMBER + r"\s*просмотр(?:ов|а)?(?![а-яё])", re.IGNORECASE
)
PUBLISHED_LABEL = (
    r"опубликовано|дата\s+публикации|дата\s+размещения|размещено|добавлено|публикация"
    r"|дата\s+создания|создано"
)
UPDATED_LABEL = (
    r"актуализировано|обновлено|изменено|дата\s+(?:изменения|обновления|актуализации)"
    r"|последн(?:ее|яя)\s+(?:изменение|обновление|редакция)"
)
_LABEL_GAP = r"(?![а-яё])\s*[:\-–—|]?\s*"
PUBLISHED_RE = re.compile(r"(?<![а-яё])(?:" + PUBLISHED_LABEL + r")" + _LABEL_GAP, re.I)
UPDATED_RE = re.compile(r"(?<![а-яё])(?:" + UPDATED_LABEL + r")" + _LABEL_GAP, re.I)
PLAIN_DATE_LABEL_RE = re.compile(r"(?<![а-яё])дата" + _LABEL_GAP, re.I)
META_LABELS_RE = re.compile(
    r"(?<![а-яё])(?:"
    + PUBLISHED_LABEL
    + "|"
    + UPDATED_LABEL
    + "|"
    + VIEWS_LABEL
    + r"|дата)(?![а-яё])",
    re.I,
)
MAX_LABEL_LENGTH = 40  # «Количество просмотров:», «Дата последнего обновления:»
_YEAR_RE = re.compile(r"\d{4}")
_FILLER_RE = re.compile(r"(?<![а-яё])(?:г|года?|в|от|раз)(?![а-яё])|[\W_]+", re.I)


@dataclass(frozen=True)
class FoundDate:
    """A date (and maybe a time) found in a text, before it is placed in a time zone."""

    start: int
    end: int
    local: datetime  # naive local time; midnight when only the day is known
    has_time: bool


@dataclass(frozen=True)
class PlacedDate:
    """A found date placed in the site's zone; `warning` names what had to be resolved."""

    value: datetime | None
    has_time: bool
    warning: str | None = None


@dataclass(frozen=True)
class MetaLine:
    """The article's «Опубликовано … Просмотров …» line, raw and parsed."""

    raw: str
    published_at: datetime | None
    published_has_time: bool
    updated_at: datetime | None
    views: int | None
    warnings: tuple[str, ...] = ()


# Two readers whose "today" differs: a month word reads the same in both, while a word that
# dateparser resolves against today (a weekday, «сегодня») does not.
_MONTH_READERS = tuple(
    DateDataParser(
        languages=["ru"], settings={"DATE_ORDER": "DMY", "RELATIVE_BASE": datetime(*base)}
    )
    for base in ((2001, 6, 15), (2003, 2, 10))
)


@lru_cache(maxsize=512)
def month_number(word: str) -> int | None:
    """The month a Russian month word or abbreviation names (`апреля`, `апр`, `сент`)."""
    months = set()
    for reader in _MONTH_READERS:
        parsed = reader.get_date_data(f"2 {word.lower()} 2000").date_obj
        if parsed is None or (parsed.year, parsed.day) != (2000, 2):
            return None
        months.add(parsed.month)
    return months.pop() if len(months) == 1 else None


def find_dates(text: str) -> list[FoundDate]:
    """Every valid date in a text, with its time when one is written beside it."""
    found: list[FoundDate] = []
    if not _YEAR_RE.search(text):
        return found
    for match in DATE_RE.finditer(text):
        value = _found_date(match)
        if value is not None:
            found.append(value)
    return found


def _found_date(match: re.Match[str]) -> FoundDate | None:
    parts = match.groupdict()
    if parts["month_word"]:
        month = month_number(parts["month_word"])
        if month is None:
            return None
        year, day = int(parts["word_year"]), int(parts["word_day"])
    elif parts["iso_year"]:
        year, month, day = (int(parts[f"iso_{name}"]) for name in ("year", "month", "day"))
    else:
        year, month, day = (int(parts[name]) for name in ("year", "month", "day"))
    hour, minute = parts["hour"] or parts["pre_hour"], parts["minute"] or parts["pre_minute"]
    try:
        local = datetime(year, month, day, int(hour or 0), int(minute or 0))
    except ValueError:
        return None
    return FoundDate(match.start(), match.end(), local, hour is not None)


def place_in_zone(found: FoundDate, tz: ZoneInfo) -> PlacedDate:
    """The found local time as an aware datetime in the zone, or None (with a warning) when
    the archive cannot hold it; a time the zone skips or repeats is resolved with a warning."""
    local = found.local
    written = f"{local.day:02d}.{local.month:02d}.{local.year:04d}"
    if found.has_time:
        written += f" {local.hour:02d}:{local.minute:02d}"
    aware = found.local.replace(tzinfo=tz)
    try:
        in_utc = aware.astimezone(UTC)
        in_utc.astimezone(tz)
    except (OverflowError, ValueError):
        return PlacedDate(None, False, f"date {written} is outside what the archive can store")
    if not found.has_time:
        return PlacedDate(aware, False)
    round_trip = in_utc.astimezone(tz).replace(tzinfo=None)
    if round_trip != found.local:
        shifted = in_utc.astimezone(tz)
        return PlacedDate(
            shifted,
            True,
            f"time {written} does not exist in {tz.key} (clocks moved forward); "
            f"read as {shifted.strftime('%H:%M')}",
        )
    other_fold = found.local.replace(tzinfo=tz, fold=1)
    if other_fold.utcoffset() != aware.utcoffset():
        return PlacedDate(
            aware,
            True,
            f"time {written} happened twice in {tz.key} (clocks moved back); read as the first",
        )
    return PlacedDate(aware, True)


def parse_views(text: str) -> int | None:
    """Parse a view count such as '1207' or '1 207'."""
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    return int(digits) if digits.isdigit() else None


def find_views(text: str) -> tuple[re.Match[str], int] | None:
    """The first labelled view count in a text («Просмотров: 312»), else a count written
    before its word («312 просмотров»)."""
    if "росмотр" not in text and "РОСМОТР" not in text:
        return None
    for pattern in (VIEWS_RE, VIEWS_BEFORE_LABEL_RE):
        for match in pattern.finditer(text):
            views = parse_views(match.group("views"))
            if views is not None:
                return match, views
    return None


def meta_residue(text: str) -> str:
    """What is left of a text once its dates, times, view counts and meta labels are taken
    out: empty for a line that holds nothing but the meta line's parts."""
    text = DATE_RE.sub(" ", text)
    text = VIEWS_RE.sub(" ", text)
    text = VIEWS_BEFORE_LABEL_RE.sub(" ", text)
    text = META_LABELS_RE.sub(" ", text)
    text = re.sub(_TIME.format(p=""), " ", text)
    return _FILLER_RE.sub("", text)


def parse_meta_line(text: str, tz: ZoneInfo) -> MetaLine | None:
    """Parse a meta line; None when the text holds no publication date nor views.

    The publication date is the one its label names («Опубликовано», «Дата публикации»,
    «Размещено», «Дата»), else the first date not labelled as an update.
    """
    dates = find_dates(text)
    published = labelled_date(text, dates, PUBLISHED_RE) or labelled_date(
        text, dates, PLAIN_DATE_LABEL_RE
    )
    updated = labelled_date(text, dates, UPDATED_RE)
    if published is None:
        published = next((found for found in dates if found is not updated), None)
    views = find_views(text)
    if published is None and views is None and updated is None:
        return None
    placed_published = place_in_zone(published, tz) if published else PlacedDate(None, False)
    placed_updated = place_in_zone(updated, tz) if updated else PlacedDate(None, False)
    warnings = tuple(
        placed.warning for placed in (placed_published, placed_updated) if placed.warning
    )
    return MetaLine(
        raw=text,
        published_at=placed_published.value,
        published_has_time=placed_published.has_time,
        updated_at=placed_updated.value,
        views=views[1] if views else None,
        warnings=warnings,
    )


def labelled_date(text: str, dates: list[FoundDate], label: re.Pattern[str]) -> FoundDate | None:
    """The date that directly follows a label (only spaces and a colon or dash between)."""
    for match in label.finditer(text):
        for found in dates:
            if found.start == match.end():
                return found
            if found.start > match.end():
                break
    return None


def is_label_only(text: str) -> bool:
    """Whether a text is just a meta label («Опубликовано:», «Просмотров») waiting for its
    value on the next line."""
    if not text or len(text) > MAX_LABEL_LENGTH or not META_LABELS_RE.search(text):
        return False
    return not _FILLER_RE.sub("", META_LABELS_RE.sub(" ", text))


def find_listing_date(text: str) -> date | None:
    """Find the date an item of a listing shows: 05.03.2024, «5 марта 2024», «5 мар. 2024»."""
    dates = find_dates(text)
    return dates[0].local.date() if dates else None


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Midnight of a day in the site's zone, for dates known only to the day."""
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def is_in_future(value: datetime, now: datetime, slack: timedelta = timedelta(days=1)) -> bool:
    """Whether a date lies more than `slack` after now."""
    return value > now + slack

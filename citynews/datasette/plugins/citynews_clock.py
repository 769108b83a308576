"""A Datasette plugin: the site's clock, as the command line keeps it.

The archive stores times as UTC text (`2024-05-22 23:01:00.000000`). These SQL functions let
the canned queries show and bound them in the site's time zone ($CITYNEWS_TIMEZONE or the
project setting, Europe/Moscow by default):

- `citynews_time(utc, precision)`: the local time (`2024-05-23 02:01`), or the day alone when
  the precision is `date`;
- `citynews_day_start(day, days_later)`: the UTC text of the local midnight starting the day
  `days_later` days after `day` (YYYY-MM-DD), so `since`/`until` are the site's days;
- `citynews_month_start(months_later)`: the same for the first day of the site's current month,
  moved by `months_later` months;
- `citynews_today()`: today in the site's zone, as YYYY-MM-DD.

Table pages show every stored time in the site's zone too, labelled with its abbreviation.
"""

import contextlib
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from datasette import hookimpl

from citynews.display import labelled_time, local_time
from scraper.settings import site_timezone

STORED_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
# The stored times of each table, shown in the site's zone on its pages.
TIME_COLUMNS = {
    "articles": {"published_at", "updated_at", "removed_at", "first_seen_at", "last_fetched_at"},
    "view_observations": {"observed_at"},
    "revisions": {"observed_at", "replaced_at"},
    "article_events": {"at"},
    "crawl_runs": {"started_at", "finished_at"},
    "fetches": {"fetched_at"},
    "raw_pages": {"fetched_at"},
    "documents": {"first_seen_at", "checked_at", "failed_at", "removed_at"},
    "document_files": {"stored_at", "extracted_at"},
    "document_versions": {"first_seen_at", "last_seen_at"},
    "article_documents": {"first_seen_at", "last_seen_at"},
}


class BadDay(ValueError):
    """A day that is not YYYY-MM-DD; the message says which."""


def stored(moment: datetime) -> str:
    """An aware time as the archive stores it on SQLite (UTC text)."""
    return moment.astimezone(UTC).strftime(STORED_FORMAT)


def read_stored(value: str) -> datetime:
    """A stored UTC text as an aware time."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def parse_day(value: str, name: str = "day") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadDay(f"{name}: expected a date as YYYY-MM-DD, got {value!r}") from None


def day_start(day: str, days_later: int = 0) -> str:
    """The UTC text of the site's local midnight starting the day `days_later` after `day`."""
    local_day = parse_day(day) + timedelta(days=days_later)
    return stored(datetime.combine(local_day, time(), site_timezone()))


def month_start(months_later: int = 0, now: datetime | None = None) -> str:
    """The UTC text of the site's local midnight starting the month `months_later` after the
    current one."""
    tz = site_timezone()
    today = (now or datetime.now(UTC)).astimezone(tz)
    months = today.year * 12 + today.month - 1 + months_later
    return stored(datetime(months // 12, months % 12 + 1, 1, tzinfo=tz))


def shown_time(value: str | None, precision: str | None = "minute") -> str | None:
    """A stored time as the site's local time (its day alone when only the day is known)."""
    if not value:
        return None
    return local_time(read_stored(value), site_timezone(), precision)


def today() -> str:
    return datetime.now(UTC).astimezone(site_timezone()).date().isoformat()


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("citynews_time", 2, shown_time, deterministic=True)
    conn.create_function("citynews_day_start", 2, day_start, deterministic=True)
    conn.create_function("citynews_month_start", 1, month_start)
    conn.create_function("citynews_today", 0, today)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None) -> str | None:
    """A stored time on a table page, in the site's zone and labelled (MSK)."""
    if table not in TIME_COLUMNS or column not in TIME_COLUMNS[table] or not value:
        return None
    if not isinstance(value, str):
        return None
    try:
        moment = read_stored(value)
    except ValueError:
        return None
    precision = "minute"
    if column == "published_at":
        with contextlib.suppress(IndexError, KeyError):  # a page may leave the column out
            precision = row["published_precision"]
    return labelled_time(moment, site_timezone(), precision)

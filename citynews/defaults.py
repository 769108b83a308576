"""Every command's defaults, read from one source: the project settings (scraper/settings.py).

The site's time zone is the setting CITYNEWS_TIMEZONE, unless the environment variable of the
same name is set (and not empty): then every command, the crawl included, uses that zone.
"""

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper import settings

TIMEZONE_VARIABLE = "CITYNEWS_TIMEZONE"
SITE_URL: str = settings.CITYNEWS_SITE_URL
MODE: str = settings.CITYNEWS_MODE
REFRESH_DAYS: int = settings.CITYNEWS_REFRESH_DAYS
REVISIT_DAYS: int = settings.CITYNEWS_REVISIT_DAYS


class BadTimezone(ValueError):
    """The time zone named by $CITYNEWS_TIMEZONE (or the setting) is not a known zone."""


def timezone_name() -> str:
    """$CITYNEWS_TIMEZONE when set, else the project setting CITYNEWS_TIMEZONE."""
    return os.environ.get(TIMEZONE_VARIABLE) or settings.CITYNEWS_TIMEZONE


def site_timezone() -> ZoneInfo:
    """The effective site time zone; BadTimezone names the bad value."""
    name = timezone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadTimezone(
            f"${TIMEZONE_VARIABLE}: unknown time zone {name!r} (expected e.g. Europe/Moscow)"
        ) from None

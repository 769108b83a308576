"""Checks of `-s NAME=VALUE` before a crawl starts: one clear line instead of a traceback."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.settings import Settings, default_settings

from scraper import settings as project_settings

CHOICES = {"CITYNEWS_MODE": ("incremental", "full")}


def setting_problem(name: str, value: str) -> str | None:
    """Why a setting's value cannot be used, or None when it can."""
    if name in CHOICES and value not in CHOICES[name]:
        return f"expected one of {', '.join(CHOICES[name])}"
    if name == "CITYNEWS_NOW":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "expected an ISO 8601 time, e.g. 2025-03-01T12:00:00+03:00"
        return None
    if name == "CITYNEWS_TIMEZONE":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return "expected a time zone name, e.g. Europe/Moscow"
        return None
    default = getattr(project_settings, name, getattr(default_settings, name, None))
    settings = Settings({name: value})
    for kind, read, expected in (
        (bool, settings.getbool, "a boolean (0/1, true/false)"),
        (int, settings.getint, "a whole number"),
        (float, settings.getfloat, "a number"),
    ):
        if isinstance(default, kind):
            try:
                read(name)
            except ValueError:
                return f"expected {expected}"
            return None
    return None

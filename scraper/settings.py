"""The one configuration of citynews: every default, every environment variable, and how a
setting given on the command line is checked.

It is also the Scrapy settings module (scrapy.cfg): Scrapy reads the upper-case names. Polite
defaults are for the live site; a crawl switches to LOCAL_FAST_SETTINGS only when the site URL is
a loopback address, e.g. a local test server. Environment variables:

- CITYNEWS_DB: the archive URL when --db is not given (default sqlite:///data/citynews.sqlite3,
  relative to the current folder);
- CITYNEWS_TIMEZONE: the site's time zone for every command, the crawl included (default
  Europe/Moscow);
- CITYNEWS_DOCUMENTS_DIR: the folder that keeps downloaded documents when --documents-dir is
  not given (default: `documents` beside a SQLite archive file, else ./data/documents).

Nothing here imports Scrapy or the parser at module level, so commands that only read the
archive start fast.
"""

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

BOT_NAME = "citynews"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

USER_AGENT = "citynews/0.2 (archive of smoladmin.ru news for research; polite crawler)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 4
# Per response, Scrapy starts this many tasks for the callback's output, whatever its size. A
# page gives one item (a listing page also its requests, handled while its item waits for
# its batch): two tasks are enough, and the reactor spends 6% less CPU than with 16.
CONCURRENT_ITEMS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# Limits against hostile pages. A news page is tens of kB; a response (or a gzip body once
# decompressed) larger than DOWNLOAD_MAXSIZE is dropped and recorded as a failed fetch.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_ENABLED = True
COOKIES_ENABLED = False
# No console into a running crawl: neither Scrapy's telnet console nor its remote control (an
# HTTP server that runs Python code sent to it and leaves a token file in the user's home).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scraper.middlewares.RobotsTxtMiddleware": 100,
    "scraper.runtime.parse_pool.PoolParser": 50,
    "scraper.safeguards.RedirectLoopMiddleware": 650,  # sees redirects before Scrapy's (600)
    "scraper.safeguards.SiteRedirectMiddleware": 640,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.retry_after.RetryAfterMiddleware": 550,
}
SPIDER_MIDDLEWARES = {
    "scraper.safeguards.ParseFailureMiddleware": 50,
    # around the middlewares that drop requests (URL length 800, depth 900): what they drop
    # is recorded as a failed fetch
    "scraper.dropped_requests.RequestsDropped": 30,
    "scraper.dropped_requests.RequestsMade": 990,
}
# pages through Scrapy's own handler, documents streamed to the document store
DOWNLOAD_HANDLERS = {
    "http": "scraper.document_download.DocumentDownloadHandler",
    "https": "scraper.document_download.DocumentDownloadHandler",
}
ITEM_PIPELINES = {"scraper.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"scraper.extensions.ProgressReporter": 500}

LOG_LEVEL = "INFO"

# citynews' own settings
CITYNEWS_SITE_URL = "https://www.smoladmin.ru"
CITYNEWS_DB_URL = None  # None: $CITYNEWS_DB, else DEFAULT_DB_URL
CITYNEWS_TIMEZONE = "Europe/Moscow"
CITYNEWS_PROGRESS = False

LOCAL_FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
}
CITYNEWS_MODE = "incremental"  # or "full": walk every listing page
CITYNEWS_REFRESH_DAYS = 14  # re-fetch articles published within this many days
CITYNEWS_REVISIT_DAYS = 30  # re-read every older article at least once in this many days (0: off)
CITYNEWS_NOW = None  # ISO time the refresh window is measured from (default: now)
CITYNEWS_MAX_LISTING_PAGES = 5000  # listing pages walked per section and run, at most
CITYNEWS_LOCK_HELD = False  # True when the caller already holds the archive's crawl lock
CITYNEWS_PARSE_WORKERS = None  # parsing processes; None: one per CPU when there is no delay
CITYNEWS_WRITE_BATCH = 50  # items written to the archive in one transaction, at most
CITYNEWS_RETRY_AFTER_MAX = 600  # seconds a run waits, in all, as 429/503 Retry-After asks
CITYNEWS_WRITE_INTERVAL = 0.5  # seconds an item waits at most for its transaction
CITYNEWS_DOCUMENTS = True  # download the documents articles link on the site's own host
CITYNEWS_DOCUMENT_MAXSIZE = 50 * 1024 * 1024  # bytes; a larger document is a failed fetch
CITYNEWS_DOCUMENTS_DIR = None  # None: $CITYNEWS_DOCUMENTS_DIR, else beside the archive

DB_VARIABLE = "CITYNEWS_DB"
TIMEZONE_VARIABLE = "CITYNEWS_TIMEZONE"
DOCUMENTS_VARIABLE = "CITYNEWS_DOCUMENTS_DIR"
DEFAULT_DB_URL = "sqlite:///data/citynews.sqlite3"
SETTING_CHOICES = {"CITYNEWS_MODE": ("incremental", "full")}


def database_url(given: str | None = None) -> str:
    """The archive URL: the one given, else $CITYNEWS_DB, else the default SQLite file."""
    return given or os.environ.get(DB_VARIABLE) or DEFAULT_DB_URL


def documents_dir(given: str | None, db_url: str) -> Path:
    """The document folder: the one given, else $CITYNEWS_DOCUMENTS_DIR, else beside the
    archive (`documents` next to a SQLite file; ./data/documents for a server database)."""
    from archive.document_store import default_documents_dir

    chosen = given or os.environ.get(DOCUMENTS_VARIABLE)
    return Path(chosen) if chosen else default_documents_dir(db_url)


class BadTimezone(ValueError):
    """The time zone named by $CITYNEWS_TIMEZONE (or the setting) is not a known zone."""


def timezone_name() -> str:
    """$CITYNEWS_TIMEZONE when set (and not empty), else the setting CITYNEWS_TIMEZONE."""
    return os.environ.get(TIMEZONE_VARIABLE) or CITYNEWS_TIMEZONE


def site_timezone() -> ZoneInfo:
    """The effective site time zone; BadTimezone names the bad value."""
    name = timezone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadTimezone(
            f"${TIMEZONE_VARIABLE}: unknown time zone {name!r} (expected e.g. Europe/Moscow)"
        ) from None


def apply_fast_settings(settings: "BaseSettings", site_url: str) -> None:
    """Fast settings for a loopback site, except those the user set (-s, custom settings)."""
    from scraper.urls import is_loopback_url

    if settings.frozen or not is_loopback_url(site_url):
        return
    for name, value in LOCAL_FAST_SETTINGS.items():
        settings.set(name, value, priority="project")


def setting_problem(name: str, value: str) -> str | None:
    """Why a `-s NAME=VALUE` cannot be used, or None when it can."""
    if name in SETTING_CHOICES and value not in SETTING_CHOICES[name]:
        return f"expected one of {', '.join(SETTING_CHOICES[name])}"
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
    from scrapy.settings import Settings, default_settings

    default = globals().get(name, getattr(default_settings, name, None))
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

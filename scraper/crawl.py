"""Run the spider in this process, as `citynews crawl` does, and report how it went."""

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import make_url
from sqlalchemy.exc import DatabaseError

from archive.change_queries import change_counts, run_period
from archive.db import ArchiveError, open_archive, session_scope
from scraper import settings as project_settings
from scraper.document_text import ExtractSummary, extract_stored
from scraper.extensions import progress_line
from scraper.sections import Section
from scraper.settings import apply_fast_settings
from scraper.spiders.smoladmin import SmoladminSpider
from scraper.urls import SiteUrls


@dataclass
class CrawlOptions:
    """What `citynews crawl` checked and chose: the site, the archive (its URL resolved, its
    schema upgraded, its lock held), the sections (empty: all)."""

    site: SiteUrls
    db_url: str
    documents_dir: Path | None = None  # None: the default folder for the archive
    sections: list[Section] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    mode: str = project_settings.CITYNEWS_MODE
    refresh_days: int = project_settings.CITYNEWS_REFRESH_DAYS
    revisit_days: int = project_settings.CITYNEWS_REVISIT_DAYS
    timezone: str = project_settings.CITYNEWS_TIMEZONE
    progress: bool = False
    log_level: str = "WARNING"
    log_file: str | None = None
    lock_held: bool = False


DOCUMENT_OUTCOMES = ("new", "changed", "unchanged", "removed", "failed")


@dataclass
class CrawlResult:
    outcome: str
    message: str | None
    stats: dict[str, Any]
    texts: ExtractSummary | None = None  # the documents' text read after the crawl
    changes: dict[str, int] | None = None  # the articles the run made new, edited, removed, …
    archive_option: str = ""  # ' --db URL' when the crawl's archive is not the default one

    @property
    def warning(self) -> str | None:
        """What a run that completed warns of (a field coverage gap), if anything."""
        return self.message if self.outcome == "completed" else None

    def summary(self) -> str:
        lines = [f"crawl {self.outcome}: {progress_line(self.stats.get)}"]
        if changes := self.changes_line():
            lines.append(changes)
        if documents := self.documents_line():
            lines.append(documents)
        if self.ocr_note:
            lines.append(f"note: {self.ocr_note}")
        if self.warning:
            lines.append(f"warning: {self.warning}")
        return "\n".join(lines)

    @property
    def ocr_note(self) -> str | None:
        """Why pages read in this run wait for OCR (Tesseract is not installed), if any do."""
        texts = self.texts
        if texts is None or not texts.ocr_waiting or not texts.ocr_note:
            return None
        return f"{texts.ocr_note}: scanned pages wait for `citynews documents extract`"

    def changes_line(self) -> str | None:
        """How many articles the run made new, edited, removed and restored, and the command
        that lists them."""
        run_id = self.stats.get("citynews/run_id")
        if self.changes is None or run_id is None:
            return None
        counts = "  ".join(f"{kind} {count}" for kind, count in self.changes.items())
        command = f"citynews changes --run {run_id}{self.archive_option}"
        return f"changes: {counts} (list them: {command})"

    def documents_line(self) -> str | None:
        """What came of the documents' requests and text, when there were any."""
        counts = {
            name: self.stats.get(f"citynews/documents_{name}", 0) for name in DOCUMENT_OUTCOMES
        }
        texts = self.texts
        if not any(counts.values()) and (texts is None or not texts.files):
            return None
        line = "documents: " + "  ".join(f"{name} {count}" for name, count in counts.items())
        if texts is not None and texts.files:
            line += (
                f"; text read {texts.read}, waiting for OCR {texts.ocr_waiting}, "
                f"unreadable {texts.failed + texts.missing}"
            )
        return line


def crawl_settings(options: CrawlOptions) -> Settings:
    """Project settings, fast ones for a loopback site, then the user's own on top."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    apply_fast_settings(settings, options.site.fetch_origin)
    settings.set("CITYNEWS_SITE_URL", options.site.fetch_origin, priority="cmdline")
    settings.set("CITYNEWS_DB_URL", options.db_url, priority="cmdline")
    if options.documents_dir is not None:
        settings.set("CITYNEWS_DOCUMENTS_DIR", str(options.documents_dir), priority="cmdline")
    settings.set("CITYNEWS_PROGRESS", options.progress, priority="cmdline")
    settings.set("CITYNEWS_MODE", options.mode, priority="cmdline")
    settings.set("CITYNEWS_REFRESH_DAYS", options.refresh_days, priority="cmdline")
    settings.set("CITYNEWS_REVISIT_DAYS", options.revisit_days, priority="cmdline")
    settings.set("CITYNEWS_TIMEZONE", options.timezone, priority="cmdline")
    settings.set("CITYNEWS_LOCK_HELD", options.lock_held, priority="cmdline")
    settings.set("LOG_LEVEL", options.log_level, priority="cmdline")
    if options.log_file:
        settings.set("LOG_FILE", options.log_file, priority="cmdline")
    for name, value in options.settings.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run(options: CrawlOptions) -> CrawlResult:
    """Crawl in this process (blocking), then read the text of the documents it kept; the
    run's outcome and stats."""
    settings = crawl_settings(options)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SmoladminSpider)
    process.crawl(crawler, site_url=options.site, sections=options.sections)
    process.start()
    stats = crawler.stats.get_stats()
    result = CrawlResult(
        outcome=stats.get("citynews/outcome", "failed"),
        message=stats.get("citynews/message"),
        stats=stats,
    )
    result.changes = run_changes(options.db_url, stats.get("citynews/run_id"))
    result.archive_option = archive_option(options.db_url)
    if settings.getbool("CITYNEWS_DOCUMENTS") and result.outcome in ("completed", "unhealthy"):
        folder = project_settings.documents_dir(
            settings.get("CITYNEWS_DOCUMENTS_DIR"), options.db_url
        )
        result.texts = extract_stored(options.db_url, folder)
    return result


def archive_option(db_url: str) -> str:
    """' --db URL' (its password hidden) for a command on this archive, '' for the default one."""
    if db_url == project_settings.database_url(None):
        return ""
    return " --db " + shlex.quote(make_url(db_url).render_as_string(hide_password=True))


def run_changes(db_url: str, run_id: int | None) -> dict[str, int] | None:
    """How many articles a run made new, edited, removed and restored; None when it recorded
    no run or the archive cannot be read."""
    if run_id is None:
        return None
    try:
        sessions = open_archive(db_url, migrate=False)
    except (ArchiveError, DatabaseError):
        return None
    try:
        with session_scope(sessions) as session:
            period = run_period(session, run_id, datetime.now(UTC))
            return None if period is None else change_counts(session, period.since, period.until)
    except DatabaseError:
        return None
    finally:
        sessions.kw["bind"].dispose()

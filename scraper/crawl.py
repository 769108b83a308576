"""Run the spider in this process, as `citynews crawl` does, and report how it went."""

from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from scraper import settings as project_settings
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


@dataclass
class CrawlResult:
    outcome: str
    message: str | None
    stats: dict[str, Any]

    @property
    def warning(self) -> str | None:
        """What a run that completed warns of (a field coverage gap), if anything."""
        return self.message if self.outcome == "completed" else None

    def summary(self) -> str:
        line = f"crawl {self.outcome}: {progress_line(self.stats.get)}"
        return f"{line}\nwarning: {self.warning}" if self.warning else line


def crawl_settings(options: CrawlOptions) -> Settings:
    """Project settings, fast ones for a loopback site, then the user's own on top."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    apply_fast_settings(settings, options.site.fetch_origin)
    settings.set("CITYNEWS_SITE_URL", options.site.fetch_origin, priority="cmdline")
    settings.set("CITYNEWS_DB_URL", options.db_url, priority="cmdline")
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
    """Crawl in this process (blocking) and return the run's outcome and stats."""
    process = CrawlerProcess(crawl_settings(options))
    crawler = process.create_crawler(SmoladminSpider)
    process.crawl(crawler, site_url=options.site, sections=options.sections)
    process.start()
    stats = crawler.stats.get_stats()
    return CrawlResult(
        outcome=stats.get("citynews/outcome", "failed"),
        message=stats.get("citynews/message"),
        stats=stats,
    )

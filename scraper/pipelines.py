"""The pipeline that writes every item into the archive, one committed transaction each."""

import logging
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archive.db import open_archive, resolve_db_url, session_scope
from archive.lock import crawl_lock
from archive.models import CrawlRun
from archive.records import ArticleRecord, FetchRecord
from archive.rejections import archived_cues, reject_fetch
from archive.revisit import articles_to_revisit
from archive.store import (
    abandon_stale_runs,
    count_coverage,
    coverage_shares,
    crawl_plan,
    finish_run,
    record_walked_section,
    register_fetch,
    save_article,
    start_run,
)
from scraper.acceptance import ArticleGate, Decision, PageRejected
from scraper.feed import feed_record
from scraper.spiders.smoladmin import SectionWalked

HEALTH_FIELDS = ("title", "published_at", "body")
HEALTH_MIN_ARTICLES = 10
HEALTH_MIN_SHARE = 0.9

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Stores articles and fetch outcomes, and records the crawl run around them.

    It holds the archive's crawl lock for the whole run, unless the caller already holds it
    (CITYNEWS_LOCK_HELD, set by `citynews crawl`).
    """

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db_url = resolve_db_url(settings.get("CITYNEWS_DB_URL"))
        self.hold_lock = not settings.getbool("CITYNEWS_LOCK_HELD")
        self.refresh_days = settings.getint("CITYNEWS_REFRESH_DAYS")
        self.revisit_days = settings.getint("CITYNEWS_REVISIT_DAYS")
        fixed_now = settings.get("CITYNEWS_NOW")
        self.reference_now = datetime.fromisoformat(fixed_now) if fixed_now else None
        self.sessions: sessionmaker[Session] | None = None
        self.resources = ExitStack()
        self.run_id: int | None = None
        self.listings_ok = 0
        self.listings_failed = 0
        self.first_listing_error: str | None = None
        self.gate = ArticleGate()
        self.write_error: str | None = None
        self.feeds = bool(settings.getdict("FEEDS"))
        self.timezone = ZoneInfo(settings.get("CITYNEWS_TIMEZONE"))

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchivePipeline":
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def now(self) -> datetime:
        return datetime.now(UTC)

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        self.sessions = open_archive(self.db_url)
        engine = self.sessions.kw["bind"]
        self.resources.callback(engine.dispose)
        if self.hold_lock:
            self.resources.enter_context(crawl_lock(engine))
        sections = [section.key for section in spider.sections]
        with session_scope(self.sessions) as session:
            abandon_stale_runs(session)
            run = start_run(session, self.now(), spider.mode, spider.site.fetch_origin, sections)
            self.run_id = run.id
            spider.plan = crawl_plan(
                session, sections, self.reference_now or self.now(), self.refresh_days
            )
            spider.plan.revisit = self.revisit_list(session, sections)
        self.crawler.stats.set_value("citynews/run_id", self.run_id)

    def revisit_list(self, session: Session, sections: list[str]) -> list[str]:
        """The older articles this run re-reads (the rolling revisit)."""
        window_start = (self.reference_now or self.now()) - timedelta(days=self.refresh_days)
        return articles_to_revisit(session, sections, window_start, self.revisit_days)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        """Write an item; when the archive cannot be written (a full disk), stop the crawl."""
        if self.write_error is not None:
            return item
        try:
            return self.write_item(item)
        except OperationalError as error:
            self.write_error = str(error.orig or error).strip().splitlines()[0]
            logger.error("the archive could not be written: %s", self.write_error)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_failed"))
            return item

    def write_item(self, item: Any) -> Any:
        assert self.sessions is not None
        stats = self.crawler.stats
        with session_scope(self.sessions) as session:
            run = session.get(CrawlRun, self.run_id)
            if isinstance(item, ArticleRecord):
                decisions = self.gate.admit(item, archived_cues(session, item.url))
                self.apply(session, run, decisions)
                if self.feeds and any(r is item and not why for r, why in decisions):
                    return feed_record(session, item.url, self.timezone)
            elif isinstance(item, PageRejected):
                self.reject(session, run, item.url, item.reason)
            elif isinstance(item, FetchRecord):
                if register_fetch(session, item, run):
                    stats.inc_value("citynews/articles_removed")
                elif item.ignored:
                    stats.inc_value("citynews/ignored")
                elif not item.ok:
                    stats.inc_value("citynews/errors")
                stats.inc_value("citynews/pages", int(not item.ignored))
                self.count_listing(item)
            elif isinstance(item, SectionWalked):
                record_walked_section(run, item.section)
        return item

    def apply(self, session: Session, run: CrawlRun, decisions: list[Decision]) -> None:
        """Store the pages accepted as articles; record the others as failed fetches."""
        for record, reason in decisions:
            if reason:
                self.reject(session, run, record.url, reason)
                count_coverage(run, record)
            else:
                outcome = save_article(session, record, run)
                self.crawler.stats.inc_value(f"citynews/articles_{outcome}")

    def reject(self, session: Session, run: CrawlRun, url: str, reason: str) -> None:
        """Record an article page that was not stored, and why."""
        logger.warning("%s: %s", url, reason)
        reject_fetch(session, url, reason, self.now(), run)
        self.crawler.stats.inc_value("citynews/rejected")
        self.crawler.stats.inc_value("citynews/errors")

    def count_listing(self, fetch: FetchRecord) -> None:
        if fetch.kind != "listing":
            return
        if fetch.ok:
            self.listings_ok += 1
        else:
            self.listings_failed += 1
            self.first_listing_error = self.first_listing_error or f"{fetch.url}: {fetch.error}"

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Record how the run ended (the close reason is known only once the spider closed)."""
        if self.sessions is None:
            return
        try:
            self.record_end(spider, reason)
        except OperationalError as error:
            self.write_error = self.write_error or str(error.orig or error).strip().splitlines()[0]
            message = f"the archive could not be written ({self.write_error}); run not recorded"
            self.crawler.stats.set_value("citynews/outcome", "failed")
            self.crawler.stats.set_value("citynews/message", message)
        finally:
            self.resources.close()

    def record_end(self, spider: Any, reason: str) -> None:
        """Store the pages held back and the run's outcome."""
        with session_scope(self.sessions) as session:
            run = session.get(CrawlRun, self.run_id)
            self.apply(session, run, self.gate.release())
            run.sections_walked = [
                key for key in run.sections_walked if key not in spider.listing_failed
            ]
            run.requests = self.crawler.stats.get_value("downloader/request_count", 0)
            outcome, message = self.outcome(reason, run)
            finish_run(session, run, self.now(), outcome, message)
        self.crawler.stats.set_value("citynews/outcome", outcome)
        self.crawler.stats.set_value("citynews/message", message)

    def outcome(self, reason: str, run: CrawlRun) -> tuple[str, str | None]:
        if self.write_error is not None:
            return "failed", f"the archive could not be written: {self.write_error}"
        if reason in ("shutdown", "cancelled"):
            return "interrupted", "the crawl was stopped before it finished"
        if self.listings_ok == 0 and self.listings_failed > 0:
            reason = f"every listing request failed ({self.first_listing_error})"
            return "failed", f"site unreachable: {reason}"
        if reason != "finished":
            return "failed", f"the crawl ended early: {reason}"
        fetched = (run.coverage or {}).get("fetched", 0)
        shares = coverage_shares(run)
        low = [name for name in HEALTH_FIELDS if shares.get(name, 1.0) < HEALTH_MIN_SHARE]
        if fetched >= HEALTH_MIN_ARTICLES and low:
            found = ", ".join(f"{name} {shares[name]:.0%}" for name in low)
            return "unhealthy", (
                f"field coverage dropped below {HEALTH_MIN_SHARE:.0%} of {fetched} fetched "
                f"articles ({found}): have the site's templates changed?"
            )
        stored = run.articles_new + run.articles_updated + run.articles_unchanged
        if message := self.rejection_alarm(stored):
            return "unhealthy", message
        return "completed", None

    def rejection_alarm(self, stored: int) -> str | None:
        """Why the run is unhealthy when too many article pages were refused, else None."""
        rejected = self.crawler.stats.get_value("citynews/rejected", 0)
        pages = stored + rejected
        if not rejected or (stored and pages < HEALTH_MIN_ARTICLES):
            return None
        if stored and rejected / pages <= 1 - HEALTH_MIN_SHARE:
            return None
        return (
            f"{rejected} of {pages} fetched article pages were not article pages (maintenance "
            "or error pages?) or could not be parsed: archived values were kept"
        )

"""The pipeline that writes every item into the archive, in batches, off the crawl's process.

Items are sent in batches (CITYNEWS_WRITE_BATCH items, or every CITYNEWS_WRITE_INTERVAL
seconds) to one writer process (scraper/runtime/writer_process.py), which commits each batch as
one transaction, so the reactor keeps its core and keeps downloading while the archive writes.
An item counts as scraped once its batch is committed. A crawl killed outright loses at most
the batch being written and the items waiting for the next one: those pages are not in the
archive, so the next run fetches them again.
"""

import logging
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, Protocol, Self, runtime_checkable

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from archive.crawl_records import FetchRecord
from archive.db import error_reason, open_archive, session_scope
from archive.lock import crawl_lock
from archive.runs import abandon_stale_runs, start_run
from scraper.archive_writer import Listings, WriterConfig
from scraper.plan import WalkPlan, build_walk_plan
from scraper.runtime.writer_process import Report, WriterProcess
from scraper.sections import Section
from scraper.settings import database_url
from scraper.urls import SiteUrls

logger = logging.getLogger(__name__)
Pending = list[tuple[Any, Deferred[Any]]]  # items, and what resolves once they are committed


@runtime_checkable
class SectionCrawl(Protocol):
    """What the pipeline reads of the spider whose crawl it archives (the spider, in turn,
    reads the plan the pipeline built: scraper/spiders/smoladmin.py)."""

    mode: str
    sections: list[Section]
    site: SiteUrls


class ArchivePipeline:
    """Stores articles and fetch outcomes, and records the crawl run around them.

    It holds the archive's crawl lock for the whole run and upgrades the archive's schema,
    unless the caller already holds the lock and has upgraded it (CITYNEWS_LOCK_HELD, set by
    `citynews crawl`).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.db_url = database_url(settings.get("CITYNEWS_DB_URL"))
        self.hold_lock = not settings.getbool("CITYNEWS_LOCK_HELD")
        self.refresh_days = settings.getint("CITYNEWS_REFRESH_DAYS")
        self.revisit_days = settings.getint("CITYNEWS_REVISIT_DAYS")
        fixed_now = settings.get("CITYNEWS_NOW")
        self.reference_now = datetime.fromisoformat(fixed_now) if fixed_now else None
        self.sessions: sessionmaker[Session] | None = None
        self.resources = ExitStack()
        self.run_id: int | None = None
        self.plan: WalkPlan | None = None
        self.listings_ok = 0
        self.listings_failed = 0
        self.first_listing_error: str | None = None
        self.write_error: str | None = None
        self.feeds = bool(settings.getdict("FEEDS"))
        self.timezone: str = settings.get("CITYNEWS_TIMEZONE")
        self.batch_size = settings.getint("CITYNEWS_WRITE_BATCH")
        self.write_interval = settings.getfloat("CITYNEWS_WRITE_INTERVAL")
        self.pending: Pending = []
        self.writer: WriterProcess | None = None
        self.flushing = LoopingCall(self.flush)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def now(self) -> datetime:
        return datetime.now(UTC)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        if not isinstance(spider, SectionCrawl):
            raise TypeError(
                f"ArchivePipeline archives a crawl of the site's sections (mode, sections, "
                f"site), not {spider!r}"
            )
        self.sessions = open_archive(self.db_url, migrate=self.hold_lock)
        engine = self.sessions.kw["bind"]
        self.resources.callback(engine.dispose)
        if self.hold_lock:
            self.resources.enter_context(crawl_lock(engine))
        sections = [section.key for section in spider.sections]
        with session_scope(self.sessions) as session:
            abandon_stale_runs(session)
            clock = self.reference_now or self.now()
            run = start_run(
                session, self.now(), spider.mode, spider.site.fetch_origin, sections, clock
            )
            self.run_id = run.id
            self.plan = build_walk_plan(
                session,
                sections,
                spider.mode,
                clock,
                self.refresh_days,
                self.revisit_days,
            )
        self.stats.set_value("citynews/run_id", self.run_id)
        self.writer = WriterProcess(WriterConfig(self.db_url, run.id, self.timezone, self.feeds))
        self.resources.callback(self.writer.stop)
        self.flushing.start(self.write_interval, now=False)

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Queue the item for the next batch; return once its batch is committed.

        Once the archive could not be written (a full disk), items are passed on unwritten
        while the crawl closes.
        """
        if self.write_error is not None:
            return item
        if isinstance(item, FetchRecord):
            self.count_listing(item)
        written: Deferred[Any] = Deferred()
        self.pending.append((item, written))
        if len(self.pending) >= self.batch_size:
            self.flush()
        return await maybe_deferred_to_future(written)

    def flush(self) -> None:
        """Send the pending items to the writer process, as one transaction."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        assert self.writer is not None
        done = self.writer.write_batch([item for item, _ in batch])
        done.addCallbacks(
            self.batch_written, self.writer_lost, callbackArgs=(batch,), errbackArgs=(batch,)
        )

    def batch_written(self, report: Report, batch: Pending) -> None:
        self.log_warnings(report)
        if report.error is not None:
            return self.batch_failed(report.error, batch)
        for (names, feed), (item, written) in zip(report.written, batch, strict=True):
            self.count(names)
            written.callback(item if feed is None else feed)

    def batch_failed(self, error: Exception, batch: Pending) -> None:
        if not isinstance(error, OperationalError):
            for _, written in batch:
                written.errback(error)
            return
        self.stop_writing(error_reason(error))
        self.pass_on(batch)

    def writer_lost(self, failure: Failure, batch: Pending) -> None:
        """The writer process ended (killed, or out of memory): nothing more can be written."""
        if not isinstance(failure.value, BrokenProcessPool):
            failure.raiseException()
        self.stop_writing(f"the archive writer process ended ({failure.getErrorMessage()})")
        self.pass_on(batch)

    def pass_on(self, batch: Pending) -> None:
        """Hand on items that were not written."""
        for item, written in batch:
            written.callback(item)

    def log_warnings(self, report: Report) -> None:
        for warning in report.warnings:
            logger.warning("%s", warning)

    def stop_writing(self, reason: str) -> None:
        """The archive cannot be written (a full disk): stop the crawl and say why."""
        if self.write_error is not None:
            return
        self.write_error = reason
        logger.error("the archive could not be written: %s", self.write_error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_failed"))

    def count(self, names: list[str]) -> None:
        for name in names:
            self.stats.inc_value(name)

    def count_listing(self, fetch: FetchRecord) -> None:
        if fetch.kind != "listing":
            return
        if fetch.ok:
            self.listings_ok += 1
        else:
            self.listings_failed += 1
            self.first_listing_error = self.first_listing_error or f"{fetch.url}: {fetch.error}"

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Send what is pending, then record how the run ended (the close reason is known
        only once the spider closed); done once the writer process recorded it."""
        if self.sessions is None:
            return
        if self.flushing.running:
            self.flushing.stop()
        if self.writer is None:
            self.resources.close()
            return
        if self.write_error is None:
            self.flush()
        self.pass_on(self.pending)
        self.pending = []
        requests = self.stats.get_value("downloader/request_count", 0)
        listings = Listings(self.listings_ok, self.listings_failed, self.first_listing_error)
        end = (reason, requests, listings, self.write_error)
        try:
            ended = self.writer.record_end(*end)
            self.run_ended(await maybe_deferred_to_future(ended))
        except BrokenProcessPool as lost:
            self.not_recorded(self.write_error or f"the archive writer process ended ({lost})")
        finally:
            self.resources.close()

    def run_ended(self, report: Report) -> None:
        self.log_warnings(report)
        if isinstance(report.error, OperationalError):
            return self.not_recorded(self.write_error or error_reason(report.error))
        if report.error is not None:
            raise report.error
        assert report.outcome is not None, "a run that ended has an outcome"
        for names, _ in report.written:
            self.count(names)
        outcome, message = report.outcome
        self.stats.set_value("citynews/outcome", outcome)
        self.stats.set_value("citynews/message", message)

    def not_recorded(self, write_error: str) -> None:
        """The run's end could not be written: say so in the stats the command line reports."""
        self.write_error = write_error
        message = f"the archive could not be written ({write_error}); run not recorded"
        self.stats.set_value("citynews/outcome", "failed")
        self.stats.set_value("citynews/message", message)

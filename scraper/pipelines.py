"""The pipeline that writes every item into the archive, in batches, off the reactor.

Items are committed in batches (CITYNEWS_WRITE_BATCH items, or every CITYNEWS_WRITE_INTERVAL
seconds) by one writer thread, so the reactor keeps downloading while the archive writes.
An item counts as scraped once its batch is committed. A crawl killed outright loses at most
the batch being written and the items waiting for the next one: those pages are not in the
archive, so the next run fetches them again.
"""

import logging
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from archive.articles import save_article
from archive.batch_writes import ArticleBatch
from archive.crawl_records import ArticleRecord, FetchRecord
from archive.db import open_archive, resolve_db_url, session_scope
from archive.fetches import register_fetch
from archive.lock import crawl_lock
from archive.models import CrawlRun
from archive.rejections import reject_fetch
from archive.runs import (
    abandon_stale_runs,
    count_coverage,
    coverage_shares,
    finish_run,
    record_walked_section,
    start_run,
)
from scraper.acceptance import ArticleGate, Decision
from scraper.feed import feed_record
from scraper.items import ListingFailed, PageRejected, SectionWalked
from scraper.plan import WalkPlan, build_walk_plan

WRITER_SWITCH_INTERVAL = 0.0005  # seconds
HEALTH_FIELDS = ("title", "published_at", "body")
HEALTH_MIN_ARTICLES = 10
HEALTH_MIN_SHARE = 0.9

logger = logging.getLogger(__name__)
Written = tuple[list[str], Any]  # the stats an item adds, and what the pipeline hands on


class ArchivePipeline:
    """Stores articles and fetch outcomes, and records the crawl run around them.

    It holds the archive's crawl lock for the whole run, unless the caller already holds it
    (CITYNEWS_LOCK_HELD, set by `citynews crawl`).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.db_url = resolve_db_url(settings.get("CITYNEWS_DB_URL"))
        self.hold_lock = not settings.getbool("CITYNEWS_LOCK_HELD")
        self.refresh_days = settings.getint("CITYNEWS_REFRESH_DAYS")
        self.revisit_days = settings.getint("CITYNEWS_REVISIT_DAYS")
        fixed_now = settings.get("CITYNEWS_NOW")
        self.reference_now = datetime.fromisoformat(fixed_now) if fixed_now else None
        self.sessions: sessionmaker[Session] | None = None
        self.resources = ExitStack()
        self.run_id: int | None = None
        self.plan: WalkPlan | None = None
        self.sections_not_walked: set[str] = set()
        self.listings_ok = 0
        self.listings_failed = 0
        self.first_listing_error: str | None = None
        self.gate = ArticleGate()  # used by the writer thread only
        self.rejected = 0  # article pages refused, counted by the writer thread
        self.write_error: str | None = None
        self.feeds = bool(settings.getdict("FEEDS"))
        self.timezone = ZoneInfo(settings.get("CITYNEWS_TIMEZONE"))
        self.batch_size = settings.getint("CITYNEWS_WRITE_BATCH")
        self.write_interval = settings.getfloat("CITYNEWS_WRITE_INTERVAL")
        self.pending: list[tuple[Any, Deferred[Any]]] = []
        self.writer = ThreadPool(1, 1, name="citynews-archive-writer")
        self.flushing = LoopingCall(self.flush)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def now(self) -> datetime:
        return datetime.now(UTC)

    def open_spider(self, spider: Spider | None = None) -> None:
        from scraper.spiders.smoladmin import SmoladminSpider  # which imports this module

        spider = spider or self.crawler.spider
        if not isinstance(spider, SmoladminSpider):
            raise TypeError(
                f"ArchivePipeline archives the smoladmin spider's crawl, not {spider!r}"
            )
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
            self.plan = build_walk_plan(
                session,
                sections,
                spider.mode,
                self.reference_now or self.now(),
                self.refresh_days,
                self.revisit_days,
            )
        self.stats.set_value("citynews/run_id", self.run_id)
        # Every read and write of a socket releases the GIL; while the writer thread works,
        # the reactor would wait up to the default 5 ms to get it back each time.
        sys.setswitchinterval(WRITER_SWITCH_INTERVAL)
        self.writer.start()
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
        """Hand the pending items to the writer thread, as one transaction."""
        if not self.pending:
            return
        from twisted.internet import reactor  # the one Scrapy installed

        batch, self.pending = self.pending, []
        done = deferToThreadPool(reactor, self.writer, self.write_batch, [i for i, _ in batch])
        done.addCallback(self.batch_written, batch)
        done.addErrback(self.batch_failed, batch)

    def batch_written(self, results: list[Written], batch: list[tuple[Any, Deferred[Any]]]) -> None:
        for (names, handed_on), (_, written) in zip(results, batch, strict=True):
            self.count(names)
            written.callback(handed_on)

    def batch_failed(self, failure: Failure, batch: list[tuple[Any, Deferred[Any]]]) -> None:
        if not isinstance(failure.value, OperationalError):
            for _, written in batch:
                written.errback(failure)
            return
        self.stop_writing(failure.value)
        for item, written in batch:
            written.callback(item)

    def stop_writing(self, error: OperationalError) -> None:
        """The archive cannot be written (a full disk): stop the crawl and say why."""
        if self.write_error is not None:
            return
        self.write_error = str(error.orig or error).strip().splitlines()[0]
        logger.error("the archive could not be written: %s", self.write_error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_failed"))

    def write_batch(self, items: list[Any]) -> list[Written]:
        """Write items in one transaction (in the writer thread); the stats each one adds.

        If one item fails, the batch is written again item by item, so that only the failing
        item is lost (its error is raised after the others are committed).
        """
        assert self.sessions is not None
        try:
            with session_scope(self.sessions) as session:
                run = self.run(session)
                urls = [item.url for item in items if isinstance(item, ArticleRecord)]
                batch = ArticleBatch.load(session, urls)
                results = [self.write_item(session, run, item, batch) for item in items]
                batch.write(session)
                return results
        except Exception:
            if len(items) == 1:
                raise
        one_by_one: list[Written] = []
        error = None
        for item in items:
            try:
                one_by_one.extend(self.write_batch([item]))
            except Exception as failed:  # re-raised below, once the rest is saved
                one_by_one.append(([], item))
                error = error or failed
        if error is not None:
            raise error
        return one_by_one

    def write_item(
        self, session: Session, run: CrawlRun, item: Any, batch: ArticleBatch
    ) -> Written:
        """Store one item in the batch's session; the stats it adds and what is handed on."""
        if isinstance(item, ArticleRecord):
            decisions = self.gate.admit(item, batch.cues(session, item.url))
            names = self.apply(session, run, decisions, batch)
            if self.feeds and any(record is item and not why for record, why in decisions):
                return names, feed_record(session, item.url, self.timezone)
            return names, item
        if isinstance(item, PageRejected):
            return self.reject(session, run, item.url, item.reason), item
        if isinstance(item, FetchRecord):
            names = ["citynews/pages"] if not item.ignored else []
            if register_fetch(session, item, run):
                names.append("citynews/articles_removed")
            elif item.ignored:
                names.append("citynews/ignored")
            elif not item.ok:
                names.append("citynews/errors")
            return names, item
        if isinstance(item, SectionWalked):
            record_walked_section(run, item.section)
        elif isinstance(item, ListingFailed):
            self.sections_not_walked.add(item.section)
        return [], item

    def apply(
        self, session: Session, run: CrawlRun, decisions: list[Decision], batch: ArticleBatch
    ) -> list[str]:
        """Store the pages accepted as articles, record the others as failed fetches; stats."""
        names = []
        for record, reason in decisions:
            if reason:
                names += self.reject(session, run, record.url, reason)
                count_coverage(run, record)
            else:
                names.append(f"citynews/articles_{save_article(session, record, run, batch)}")
        return names

    def reject(self, session: Session, run: CrawlRun, url: str, reason: str) -> list[str]:
        """Record an article page that was not stored, and why; the stats it adds."""
        logger.warning("%s: %s", url, reason)
        reject_fetch(session, url, reason, self.now(), run)
        self.rejected += 1
        return ["citynews/rejected", "citynews/errors"]

    def count(self, names: list[str]) -> None:
        for name in names:
            self.stats.inc_value(name)

    def count_all(self, results: list[Written]) -> None:
        for names, _ in results:
            self.count(names)

    def count_listing(self, fetch: FetchRecord) -> None:
        if fetch.kind != "listing":
            return
        if fetch.ok:
            self.listings_ok += 1
        else:
            self.listings_failed += 1
            self.first_listing_error = self.first_listing_error or f"{fetch.url}: {fetch.error}"

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Write what is pending, then record how the run ended (the close reason is known
        only once the spider closed)."""
        if self.sessions is None:
            return
        if self.flushing.running:
            self.flushing.stop()
        self.writer.stop()  # runs the batches handed over so far, then ends the thread
        try:
            self.record_end(reason)
        except OperationalError as error:
            self.write_error = self.write_error or str(error.orig or error).strip().splitlines()[0]
            message = f"the archive could not be written ({self.write_error}); run not recorded"
            self.stats.set_value("citynews/outcome", "failed")
            self.stats.set_value("citynews/message", message)
        finally:
            self.resources.close()

    def record_end(self, reason: str) -> None:
        """Store the items still pending, the pages held back, and the run's outcome."""
        pending, self.pending = self.pending, []
        if pending and self.write_error is None:
            self.count_all(self.write_batch([item for item, _ in pending]))
        assert self.sessions is not None
        with session_scope(self.sessions) as session:
            run = self.run(session)
            held_back = ArticleBatch()
            self.count(self.apply(session, run, self.gate.release(), held_back))
            held_back.write(session)
            run.sections_walked = [
                key for key in run.sections_walked if key not in self.sections_not_walked
            ]
            run.requests = self.stats.get_value("downloader/request_count", 0)
            outcome, message = self.outcome(reason, run)
            finish_run(session, run, self.now(), outcome, message)
        self.stats.set_value("citynews/outcome", outcome)
        self.stats.set_value("citynews/message", message)

    def run(self, session: Session) -> CrawlRun:
        """This crawl's run, in a session."""
        run = session.get(CrawlRun, self.run_id)
        assert run is not None, "the run is recorded when the spider opens"
        return run

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
        rejected = self.rejected
        pages = stored + rejected
        if not rejected or (stored and pages < HEALTH_MIN_ARTICLES):
            return None
        if stored and rejected / pages <= 1 - HEALTH_MIN_SHARE:
            return None
        return (
            f"{rejected} of {pages} fetched article pages were not article pages (maintenance "
            "or error pages?) or could not be parsed: archived values were kept"
        )

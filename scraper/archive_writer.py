"""Every archive write of a crawl, and the run's outcome and health.

The crawl's writer process (scraper/runtime/writer_process.py) holds one ArchiveWriter: it
owns its own archive session, the run's article gate and its counters, writes each batch the
crawl's process (ArchivePipeline) sends in one transaction and reports, for each item, the
stats it adds and the feed record to hand on.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from archive.articles import save_article
from archive.batch_writes import ArticleBatch
from archive.coverage import coverage
from archive.crawl_records import ArticleRecord, FetchRecord
from archive.db import open_archive, session_scope
from archive.documents import DocumentFetch, record_fetch
from archive.fetches import register_fetch
from archive.models import CrawlRun
from archive.rejections import reject_fetch
from archive.runs import count_coverage, coverage_shares, finish_run, record_walked_section
from scraper.acceptance import ArticleGate, Decision
from scraper.coverage_gaps import describe_gap
from scraper.feed import ArticleFeedRecord, feed_record
from scraper.items import ArticleGone, ListingFailed, PageRejected, SectionWalked
from scraper.urls import OFFSITE_REDIRECT, ROBOTS_NO_ANSWER, ROBOTS_UNAVAILABLE

HEALTH_FIELDS = ("title", "published_at", "body")
HEALTH_MIN_ARTICLES = 10
HEALTH_MIN_SHARE = 0.9
MESSAGE_GAPS = 3  # coverage gaps named in the run's one-line message; the log names them all

Written = tuple[list[str], ArticleFeedRecord | None]  # an item's stats; its feed record, if any


@dataclass(frozen=True)
class WriterConfig:
    """What the writer process needs to know of the crawl."""

    db_url: str
    run_id: int
    timezone: str
    feeds: bool


@dataclass(frozen=True)
class Listings:
    """The crawl's listing fetches, counted in the crawl's process as items pass."""

    ok: int = 0
    failed: int = 0
    first_error: str | None = None


class ArchiveWriter:
    """Stores a crawl's items in its run, and records the run's end."""

    def __init__(
        self, config: WriterConfig, before_commit: Callable[[], None] = lambda: None
    ) -> None:
        """before_commit runs before each transaction commits (the writer process ends there
        if the crawl is gone)."""
        self.config = config
        self.before_commit = before_commit
        self.sessions: sessionmaker[Session] = open_archive(config.db_url, migrate=False)
        self.timezone = ZoneInfo(config.timezone)
        self.gate = ArticleGate()
        self.rejected = 0  # article pages refused
        self.article_fetches = 0
        self.offsite: dict[str, Counter[str]] = {"listing": Counter(), "article": Counter()}
        self.sections_not_walked: set[str] = set()
        self.warnings: list[str] = []
        self.write_error: str | None = None  # why a batch could not be written (a full disk)

    def now(self) -> datetime:
        return datetime.now(UTC)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success, after before_commit."""
        with session_scope(self.sessions) as session:
            yield session
            self.before_commit()

    def write_batch(self, items: list[Any]) -> list[Written]:
        """Write items in one transaction; the stats each one adds and its feed record.

        If one item fails, the batch is written again item by item: an item that fails alone
        is recorded as a failed fetch of its URL, with the error as its reason, and fetched
        again on the next run. An error of the database itself (a full disk) is raised once
        the others are committed.
        """
        try:
            return self.write_together(items)
        except Exception as failed:
            if len(items) == 1 and record_error(failed):
                return [(self.not_stored(items[0], failed), None)]
            if len(items) == 1:
                raise
        one_by_one: list[Written] = []
        error = None
        for item in items:
            try:
                one_by_one.extend(self.write_together([item]))
            except Exception as failed:
                if not record_error(failed):  # re-raised below, once the rest is saved
                    one_by_one.append(([], None))
                    error = error or failed
                    continue
                one_by_one.append((self.not_stored(item, failed), None))
        if error is not None:
            raise error
        return one_by_one

    def write_together(self, items: list[Any]) -> list[Written]:
        """Write items in one transaction, or none of them."""
        with self.transaction() as session:
            run = self.run(session)
            urls = [item.url for item in items if isinstance(item, ArticleRecord)]
            batch = ArticleBatch.load(session, urls)
            results = [self.write_item(session, run, item, batch) for item in items]
            batch.write(session)
            return results

    def not_stored(self, item: Any, error: Exception) -> list[str]:
        """Record an item the archive refused as a failed fetch of its URL; the stats it adds."""
        url = getattr(item, "url", None)
        cause = error.orig if isinstance(error, StatementError) and error.orig else error
        first_line = str(cause).strip().split("\n", 1)[0]
        reason = f"could not be stored: {type(cause).__name__}: {first_line}"[:500]
        if not isinstance(item, (ArticleRecord, PageRejected)) or url is None:
            self.warnings.append(f"{type(item).__name__} {url or ''}: {reason}")
            return ["citynews/errors"]
        try:
            with self.transaction() as session:
                return self.reject(session, self.run(session), url, reason)
        except Exception as unrecorded:
            if not record_error(unrecorded):
                raise
            why = f"{type(unrecorded).__name__}: not recorded as a failed fetch either"
            self.warnings.append(f"{url[:200]}: {reason} ({why})")
            return ["citynews/errors"]

    def write_item(
        self, session: Session, run: CrawlRun, item: Any, batch: ArticleBatch
    ) -> Written:
        """Store one item in the batch's session; the stats it adds and its feed record."""
        if isinstance(item, ArticleRecord):
            names = self.register(session, run, item.fetch) if item.fetch else []
            decisions = self.gate.admit(item, batch.cues(session, item.url))
            names += self.apply(session, run, decisions, batch)
            if self.config.feeds and any(record is item and not why for record, why in decisions):
                return names, feed_record(session, item.url, self.timezone)
            return names, None
        if isinstance(item, PageRejected):
            return self.reject(session, run, item.url, item.reason), None
        if isinstance(item, ArticleGone):
            return self.register(session, run, item.fetch, gone=True), None
        if isinstance(item, FetchRecord):
            return self.register(session, run, item), None
        if isinstance(item, DocumentFetch):
            return [f"citynews/documents_{record_fetch(session, item)}"], None
        if isinstance(item, SectionWalked):
            record_walked_section(run, item.section)
        elif isinstance(item, ListingFailed):
            self.sections_not_walked.add(item.section)
        return [], None

    def register(
        self, session: Session, run: CrawlRun, fetch: FetchRecord, gone: bool = False
    ) -> list[str]:
        """Record a request's outcome; the stats it adds."""
        self.count_offsite(fetch)
        names = ["citynews/pages"] if not fetch.ignored else []
        if register_fetch(session, fetch, run, gone):
            names.append("citynews/articles_removed")
        elif fetch.ignored:
            names.append("citynews/ignored")
        elif not fetch.ok:
            names.append("citynews/errors")
        return names

    def count_offsite(self, fetch: FetchRecord) -> None:
        """Count article requests, and requests redirected to another host by that host."""
        if fetch.kind == "article" and not fetch.ignored:
            self.article_fetches += 1
        error = fetch.error or ""
        if fetch.kind in self.offsite and OFFSITE_REDIRECT in error:
            host = (error.partition(OFFSITE_REDIRECT)[2].split() or ["?"])[0].rstrip(":")
            self.offsite[fetch.kind][host] += 1

    def offsite_alarm(self, listings: Listings) -> tuple[str, str] | None:
        """The run's outcome when every listing, or most articles, redirect to another host."""
        listed = self.offsite["listing"]
        if listings.ok == 0 and listed and listed.total() == listings.failed:
            host = listed.most_common(1)[0][0]
            return "failed", (
                f"the site redirects to another host ({host}): all {listings.failed} listing "
                "requests were redirected there and not followed (has the site moved? "
                "give its new address with --site-url)"
            )
        moved = self.offsite["article"]
        if moved and moved.total() * 2 > self.article_fetches:
            host = moved.most_common(1)[0][0]
            return "unhealthy", (
                f"{moved.total()} of {self.article_fetches} article requests redirect to another "
                f"host ({host}) and were not followed: has the site moved?"
            )
        return None

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
        self.warnings.append(f"{url}: {reason}")
        reject_fetch(session, url, reason, self.now(), run)
        self.rejected += 1
        return ["citynews/rejected", "citynews/errors"]

    def record_end(
        self, reason: str, requests: int, listings: Listings, write_error: str | None
    ) -> tuple[list[str], tuple[str, str | None]]:
        """Store the pages held back and the run's outcome; their stats, and the outcome."""
        with self.transaction() as session:
            run = self.run(session)
            held_back = ArticleBatch()
            names = self.apply(session, run, self.gate.release(), held_back)
            held_back.write(session)
            run.sections_walked = [
                key for key in run.sections_walked if key not in self.sections_not_walked
            ]
            run.requests = requests
            outcome, message = self.outcome(reason, run, listings, write_error or self.write_error)
            if reason == "finished" and outcome in ("completed", "unhealthy"):
                outcome, message = self.coverage_check(session, run, outcome, message)
            finish_run(session, run, self.now(), outcome, message)
        return names, (outcome, message)

    def run(self, session: Session) -> CrawlRun:
        """This crawl's run, in a session."""
        run = session.get(CrawlRun, self.config.run_id)
        assert run is not None, "the run is recorded when the spider opens"
        return run

    def outcome(
        self, reason: str, run: CrawlRun, listings: Listings, write_error: str | None
    ) -> tuple[str, str | None]:
        if write_error is not None:
            return "failed", f"the archive could not be written: {write_error}"
        if reason in ("shutdown", "cancelled"):
            return "interrupted", "the crawl was stopped before it finished"
        if reason.startswith(ROBOTS_UNAVAILABLE):
            unreachable = "site unreachable: " if ROBOTS_NO_ANSWER in reason else ""
            return "failed", f"{unreachable}{reason} (the site was treated as disallowed)"
        if reason == "finished" and (alarm := self.offsite_alarm(listings)):
            return alarm
        if listings.ok == 0 and listings.failed > 0:
            reason = f"every listing request failed ({listings.first_error})"
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

    def coverage_check(
        self, session: Session, run: CrawlRun, outcome: str, message: str | None
    ) -> tuple[str, str | None]:
        """Warn of every year × section of this run that lacks a field its section has (a
        template era the parser does not read); the run is unhealthy when the articles that
        lack it are more than 10% of those it fetched."""
        gaps, lacking, fetched = coverage(session, self.timezone, run.started_at).fetched_gaps()
        if not gaps:
            return outcome, message
        found = "; ".join(describe_gap(gap) for gap in gaps[:MESSAGE_GAPS])
        if len(gaps) > MESSAGE_GAPS:
            found += f"; {len(gaps) - MESSAGE_GAPS} more in the crawl log and citynews status"
        self.warnings += [f"field coverage gap: {describe_gap(gap)}" for gap in gaps]
        summary = (
            f"{lacking} of {fetched} articles fetched lack a field their year and section "
            f"should have ({found})"
        )
        if outcome == "completed" and lacking / fetched > 1 - HEALTH_MIN_SHARE:
            return "unhealthy", f"{summary}: have the site's templates changed?"
        return outcome, f"{message}; {summary}" if message else f"field coverage gap: {summary}"

    def rejection_alarm(self, stored: int) -> str | None:
        """Why the run is unhealthy when too many article pages were refused, else None."""
        rejected = self.rejected
        pages = stored + rejected
        if not rejected or (stored and pages < HEALTH_MIN_ARTICLES):
            return None
        if stored and rejected / pages <= 1 - HEALTH_MIN_SHARE:
            return None
        return (
            f"{rejected} of {pages} fetched article pages were refused: not article pages "
            "(maintenance or error pages?), without a field their archived versions had (have "
            "the site's templates changed?), or could not be parsed: archived values were kept"
        )

    def close(self) -> None:
        self.sessions.kw["bind"].dispose()


PROGRAM_LIMIT_EXCEEDED = "54"  # PostgreSQL's SQLSTATE class: a value too big for an index entry


def record_error(error: Exception) -> bool:
    """Whether an error is one record's (a value the database cannot store), not the
    database's (a full disk, a lost connection), which stops the crawl."""
    if not isinstance(error, OperationalError):
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return sqlstate.startswith(PROGRAM_LIMIT_EXCEEDED)

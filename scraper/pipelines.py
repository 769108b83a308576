"""The pipeline that writes every item into the archive, one committed transaction each."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from archive.db import open_archive, resolve_db_url, session_scope
from archive.models import CrawlRun
from archive.records import ArticleRecord, FetchRecord
from archive.store import finish_run, record_fetch, save_article, start_run, urls_never_fetched


class ArchivePipeline:
    """Stores articles and fetch outcomes, and records the crawl run around them."""

    def __init__(self, crawler: Any, db_url: str, site_url: str, mode: str) -> None:
        self.crawler = crawler
        self.db_url = db_url
        self.site_url = site_url
        self.mode = mode
        self.sessions: sessionmaker[Session] | None = None
        self.run_id: int | None = None
        self.listings_ok = 0
        self.listings_failed = 0
        self.first_listing_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchivePipeline":
        settings = crawler.settings
        return cls(
            crawler,
            db_url=resolve_db_url(settings.get("CITYNEWS_DB_URL")),
            site_url=settings.get("CITYNEWS_SITE_URL"),
            mode=settings.get("CITYNEWS_MODE", "full"),
        )

    def now(self) -> datetime:
        return datetime.now(UTC)

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        self.sessions = open_archive(self.db_url)
        with session_scope(self.sessions) as session:
            run = start_run(
                session,
                self.now(),
                self.mode,
                spider.site.fetch_origin,
                [section.key for section in spider.sections],
            )
            self.run_id = run.id
            spider.retry_urls = urls_never_fetched(session)
        self.crawler.stats.set_value("citynews/run_id", self.run_id)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        assert self.sessions is not None
        with session_scope(self.sessions) as session:
            run = session.get(CrawlRun, self.run_id)
            if isinstance(item, ArticleRecord):
                outcome = save_article(session, item, run)
                self.crawler.stats.inc_value(f"citynews/articles_{outcome}")
            elif isinstance(item, FetchRecord):
                record_fetch(session, item, run)
                self.crawler.stats.inc_value("citynews/pages" if item.ok else "citynews/errors")
                self.count_listing(item)
        return item

    def count_listing(self, fetch: FetchRecord) -> None:
        if fetch.kind != "listing":
            return
        if fetch.ok:
            self.listings_ok += 1
        else:
            self.listings_failed += 1
            self.first_listing_error = self.first_listing_error or f"{fetch.url}: {fetch.error}"

    def close_spider(self, spider: Any = None) -> None:
        if self.sessions is None:
            return
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        outcome, message = self.outcome(reason)
        with session_scope(self.sessions) as session:
            run = session.get(CrawlRun, self.run_id)
            finish_run(session, run, self.now(), outcome, message)
        self.crawler.stats.set_value("citynews/outcome", outcome)
        self.crawler.stats.set_value("citynews/message", message)
        self.sessions.kw["bind"].dispose()

    def outcome(self, reason: str) -> tuple[str, str | None]:
        if reason in ("shutdown", "cancelled"):
            return "interrupted", "the crawl was stopped before it finished"
        if self.listings_ok == 0 and self.listings_failed > 0:
            return (
                "failed",
                f"site unreachable: every listing request failed ({self.first_listing_error})",
            )
        if reason != "finished":
            return "failed", f"the crawl ended early: {reason}"
        return "completed", None

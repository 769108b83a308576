"""Rebuild every parsed field of the archive from its stored pages, with no network.

Articles go in batches: one query reads a batch's articles and one its stored pages, worker
processes parse the pages (the CPU-bound part) while the previous batch is written, and each
batch is one transaction.
"""

import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.articles import apply_parsed_fields
from archive.crawl_records import ArticleRecord, RawPageRecord
from archive.db import session_scope
from archive.documents import link_documents
from archive.models import Article
from archive.queries import latest_raw_pages
from archive.raw import decompress
from archive.search.index import index_article
from scraper.page_to_record import build_article_record
from scraper.runtime.processes import PARSER_NAME, background_pool
from scraper.sections import SECTIONS_BY_KEY
from scraper.urls import CANONICAL_ORIGIN, SiteUrls

BATCH = 200
POOL_MIN_ARTICLES = 2 * BATCH  # fewer are parsed in this process: a pool would cost more


@dataclass
class ReparseResult:
    articles: int = 0
    reparsed: int = 0
    changed: int = 0
    without_page: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.reparsed / self.seconds if self.seconds else 0.0
        return (
            f"reparsed {self.reparsed} of {self.articles} articles from stored pages "
            f"({self.changed} changed, {self.without_page} without a stored page) "
            f"in {self.seconds:.1f} s ({rate:.0f} articles/s)"
        )


@dataclass(frozen=True)
class ParseJob:
    """What re-parsing one stored page needs, picklable for a worker process."""

    article_id: int
    section: str
    listed_date: date | None
    listing_title: str | None
    status: int
    headers: dict[str, str]
    body: bytes
    compression: str
    fetched_url: str
    fetched_at: datetime


@lru_cache(maxsize=64)
def site_of(origin: str) -> SiteUrls:
    """One SiteUrls per fetched origin (pages fetched from a mirror keep public URLs)."""
    return SiteUrls(origin, CANONICAL_ORIGIN)


def parse_job(job: ParseJob, tz: ZoneInfo) -> ArticleRecord:
    """Parse one stored page into a record, as the crawl did when it fetched it."""
    return build_article_record(
        raw=RawPageRecord(job.status, job.headers, decompress(job.body, job.compression)),
        fetched_url=job.fetched_url,
        fetched_at=job.fetched_at,
        site=site_of("{0.scheme}://{0.netloc}".format(urlsplit(job.fetched_url))),
        section=SECTIONS_BY_KEY[job.section],
        listed_date=job.listed_date,
        listing_title=job.listing_title,
        tz=tz,
    )


def parse_jobs(jobs: list[ParseJob], tz: ZoneInfo) -> list[ArticleRecord]:
    """Parse a slice of a batch (one task of a worker)."""
    return [parse_job(job, tz) for job in jobs]


def read_jobs(session: Session, ids: list[int]) -> tuple[list[ParseJob], int]:
    """The parse jobs of a batch of articles, and how many of them have no stored page."""
    articles = session.execute(
        select(
            Article.id, Article.url, Article.section, Article.listing_date, Article.listing_title
        ).where(Article.id.in_(ids))
    ).all()
    pages = latest_raw_pages(session, [article.url for article in articles])
    jobs = [
        ParseJob(
            article.id,
            article.section,
            article.listing_date,
            article.listing_title,
            page.status,
            page.headers,
            page.body,
            page.compression,
            page.fetched_url,
            page.fetched_at,
        )
        for article in articles
        if (page := pages.get(article.url)) is not None
    ]
    return jobs, len(articles) - len(jobs)


def apply_record(session: Session, article: Article, record: ArticleRecord) -> bool:
    """Apply a re-parsed page to its article; True if anything changed."""
    before = (article.views, article.meta_line_raw, article.images, article.attachments)
    changed = apply_parsed_fields(article, record)
    if record.views is not None:
        article.views = record.views
    if record.body_text:
        link_documents(session, article.id, record.attachments, record.fetched_at)
    after = (article.views, article.meta_line_raw, article.images, article.attachments)
    if changed:
        index_article(session, article)
    return changed or before != after


Parsing = list[Future[list[ArticleRecord]] | list[ArticleRecord]]


def submit(pool: Executor | None, workers: int, jobs: list[ParseJob], tz: ZoneInfo) -> Parsing:
    """Start parsing a batch: in the pool of `workers` processes, one task per worker, or here
    when there is none."""
    if pool is None:
        return [parse_jobs(jobs, tz)]
    step = max(1, -(-len(jobs) // workers))  # ceiling division
    return [pool.submit(parse_jobs, jobs[i : i + step], tz) for i in range(0, len(jobs), step)]


def collected(parsing: Parsing) -> Iterator[ArticleRecord]:
    """The records of a started batch, in job order."""
    for part in parsing:
        yield from part.result() if isinstance(part, Future) else part


def write_batch(
    sessions: sessionmaker[Session], jobs: list[ParseJob], parsing: Parsing, result: ReparseResult
) -> None:
    """Apply a parsed batch in one transaction."""
    with session_scope(sessions) as session:
        articles = {
            article.id: article
            for article in session.scalars(
                select(Article).where(Article.id.in_([job.article_id for job in jobs]))
            )
        }
        for job, record in zip(jobs, collected(parsing), strict=True):
            result.reparsed += 1
            result.changed += int(apply_record(session, articles[job.article_id], record))


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def parsing_pool(workers: int) -> ProcessPoolExecutor:
    """Parsing processes (background workers: none of this process's archive connections or
    its lock, and they die with it)."""
    return background_pool(workers, PARSER_NAME)


def reparse_archive(
    sessions: sessionmaker[Session],
    tz: ZoneInfo,
    batch_size: int = BATCH,
    workers: int | None = None,
) -> ReparseResult:
    """Re-parse every article from its last stored page, one transaction per batch.

    workers: parsing processes (default: one per CPU, none for a small archive).
    """
    result = ReparseResult()
    started = time.perf_counter()
    with session_scope(sessions) as session:
        ids = list(session.scalars(select(Article.id).order_by(Article.id)))
    result.articles = len(ids)
    if workers is None:
        workers = worker_count() if len(ids) >= POOL_MIN_ARTICLES else 1
    pool = parsing_pool(workers) if workers > 1 else None
    try:
        pending: tuple[list[ParseJob], Parsing] | None = None
        for first in range(0, len(ids), batch_size):
            with session_scope(sessions) as session:
                jobs, without_page = read_jobs(session, ids[first : first + batch_size])
            result.without_page += without_page
            started_batch = (jobs, submit(pool, workers, jobs, tz))
            if pending is not None:
                write_batch(sessions, *pending, result)
            pending = started_batch
        if pending is not None:
            write_batch(sessions, *pending, result)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    result.seconds = time.perf_counter() - started
    return result

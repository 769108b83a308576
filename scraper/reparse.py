"""Rebuild every parsed field of the archive from its stored pages, with no network."""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.db import session_scope
from archive.models import Article
from archive.raw import decompress
from archive.records import RawPageRecord
from archive.search import index_article
from archive.store import apply_parsed_fields, latest_raw_page
from scraper.articles import build_article_record
from scraper.sections import SECTIONS_BY_KEY
from scraper.urls import CANONICAL_ORIGIN, SiteUrls

BATCH = 200


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


def reparse_article(article: Article, session: Session, tz: ZoneInfo) -> bool | None:
    """Re-parse one article from its last stored page; None when it has none."""
    raw = latest_raw_page(session, article.url)
    if raw is None:
        return None
    parts = urlsplit(raw.fetched_url)
    site = SiteUrls(f"{parts.scheme}://{parts.netloc}", CANONICAL_ORIGIN)
    record = build_article_record(
        raw=RawPageRecord(raw.status, raw.headers, decompress(raw.body, raw.compression)),
        fetched_url=raw.fetched_url,
        fetched_at=raw.fetched_at,
        site=site,
        section=SECTIONS_BY_KEY[article.section],
        listed_date=article.listing_date,
        listing_title=article.listing_title,
        tz=tz,
    )
    before = (article.views, article.meta_line_raw, article.images, article.attachments)
    changed = apply_parsed_fields(article, record)
    if record.views is not None:
        article.views = record.views
    after = (article.views, article.meta_line_raw, article.images, article.attachments)
    if changed:
        index_article(session, article)
    return changed or before != after


def reparse_archive(sessions: sessionmaker[Session], tz: ZoneInfo) -> ReparseResult:
    """Re-parse every article, committing in batches."""
    result = ReparseResult()
    started = time.perf_counter()
    with session_scope(sessions) as session:
        ids = list(session.scalars(select(Article.id).order_by(Article.id)))
    result.articles = len(ids)
    for first in range(0, len(ids), BATCH):
        with session_scope(sessions) as session:
            batch = session.scalars(
                select(Article).where(Article.id.in_(ids[first : first + BATCH]))
            )
            for article in batch:
                changed = reparse_article(article, session, tz)
                if changed is None:
                    result.without_page += 1
                    continue
                result.reparsed += 1
                result.changed += int(changed)
    result.seconds = time.perf_counter() - started
    return result

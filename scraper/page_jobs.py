"""What parsing worker processes run: pure functions from served bytes to parsed pages.

Kept free of Scrapy and of the archive's database, so a worker imports only the parsers.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from archive.crawl_records import ArticleRecord, RawPageRecord
from archive.raw import compress, sha256_hex
from archive.search.index import index_values
from archive.search.lemmas import lemmas
from scraper.listing_reader import ListingPage, read_listing
from scraper.page_to_record import build_article_record
from scraper.parsing.text import decode_page
from scraper.sections import Section
from scraper.urls import SiteUrls


def parse_article_page(
    body: bytes,
    content_type: str | None,
    fetched_url: str,
    site: SiteUrls,
    section: Section,
    listed_date: date | None,
    listing_title: str | None,
    tz: ZoneInfo,
) -> ArticleRecord:
    """An article page's record, with what the archive would otherwise compute in the crawl's
    process: the page's xz compression and digest, and the title's and text's search-index
    values. The spider adds the page as served and the fetch time."""
    headers = {"Content-Type": content_type} if content_type else {}
    record = build_article_record(
        raw=RawPageRecord(200, headers, body),
        fetched_url=fetched_url,
        fetched_at=datetime.now(UTC),
        site=site,
        section=section,
        listed_date=listed_date,
        listing_title=listing_title,
        tz=tz,
    )
    assert record.raw is not None
    record.raw = RawPageRecord(
        200,
        headers,
        b"",
        compressed=compress(body),
        sha256=sha256_hex(body),
        non_text_share=record.raw.non_text_share,
    )
    record.index_values = index_values(record.title, record.body_text)
    return record


def parse_listing_page(
    body: bytes, content_type: str | None, page_url: str, site: SiteUrls, section: Section
) -> ListingPage:
    """A listing page's articles and other pages."""
    return read_listing(decode_page(body, content_type).text, page_url, site, section)


@dataclass(frozen=True)
class PageJob:
    """One served page for a worker to parse (the crawl's site and time zone it has)."""

    kind: str  # "article" or "listing"
    body: bytes
    content_type: str | None
    url: str
    section: Section
    listed_date: date | None = None
    listing_title: str | None = None


def run_job(job: PageJob, site: SiteUrls, tz: ZoneInfo) -> ArticleRecord | ListingPage:
    """Parse a page as its kind says."""
    if job.kind == "listing":
        return parse_listing_page(job.body, job.content_type, job.url, site, job.section)
    return parse_article_page(
        job.body,
        job.content_type,
        job.url,
        site,
        job.section,
        job.listed_date,
        job.listing_title,
        tz,
    )


def load_dictionaries() -> None:
    """Load the lemma dictionary now (a parsing process does, before its first page)."""
    lemmas("смоленск")

"""What parsing worker processes run: pure functions from served bytes to parsed pages.

Kept free of Scrapy and of the archive's database, so a worker imports only the parsers.
"""

import os
import signal
import threading
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from archive.crawl_records import ArticleRecord, RawPageRecord
from archive.lemmas import lemmas
from archive.raw import compress, sha256_hex
from archive.search import index_values
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


def start_worker(crawl_pid: int) -> None:
    """In a worker: leave Ctrl-C to the crawl, yield the CPU to the crawl's reactor, exit once
    the crawl's process is gone (after a SIGKILL nothing else would end it: workers hold their
    own queues open), and load the lemma dictionary before the first page comes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(10)
    lemmas("смоленск")

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(crawl_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()

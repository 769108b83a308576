"""`citynews inspect`: fetch one page as a crawl would and show what the parser reads in it.

The page is fetched by a real Scrapy crawl with the crawl's settings (User-Agent, robots.txt,
size limits, time-outs, retries) and parsed by the crawl's own code; nothing is written.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.crawl_records import ArticleRecord, RawPageRecord
from scraper.crawl import CrawlOptions, crawl_settings
from scraper.failures import error_name, http_status
from scraper.page_to_record import build_article_record
from scraper.sections import SECTIONS, section_of_path
from scraper.urls import ROBOTS_UNAVAILABLE, SiteUrls, url_path

PREVIEW = 160
FIELD_CUES = (
    ("title", "title"),
    ("published_at", "published_at"),
    ("published_precision", "published_at"),
    ("updated_at", "meta_line"),
    ("views", "meta_line"),
    ("meta_line_raw", "meta_line"),
    ("body_text", "body"),
    ("images", "body"),
    ("attachments", "body"),
)


class InspectFailed(Exception):
    """The page could not be fetched; the message says why, in one line."""


@dataclass
class Inspection:
    url: str
    fetched_url: str
    status: int
    content_type: str
    size: int
    record: ArticleRecord


class InspectSpider(scrapy.Spider):
    """Requests one URL and keeps the response, or why there was none."""

    name = "citynews-inspect"

    def __init__(self, fetch_url: str, site: SiteUrls | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fetch_url = fetch_url
        self.site = site  # redirects to other hosts are not followed
        self.response: Response | None = None
        self.failure: str | None = None

    async def start(self):  # type: ignore[no-untyped-def]
        yield scrapy.Request(self.fetch_url, callback=self.keep, errback=self.failed)

    def keep(self, response: Response) -> None:
        self.response = response

    def failed(self, failure: Failure) -> None:
        status = http_status(failure)
        self.failure = f"HTTP {status}" if status else error_name(failure)


def inspect_page(url: str, site: SiteUrls, settings: dict[str, str]) -> Inspection:
    """Fetch url (a canonical URL of the site) from site's origin and parse it; write nothing."""
    fetch_url = site.to_fetch(url)
    options = CrawlOptions(site=site, db_url="", settings=settings)
    crawl = crawl_settings(options)
    crawl.set("ITEM_PIPELINES", {}, priority="cmdline")
    crawl.set("EXTENSIONS", {}, priority="cmdline")
    crawl.set("LOG_LEVEL", "CRITICAL", priority="cmdline")
    process = CrawlerProcess(crawl)
    crawler = process.create_crawler(InspectSpider)
    process.crawl(crawler, fetch_url=fetch_url, site=site)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, InspectSpider)
    response = spider.response
    if response is None:
        reason = spider.failure or "no response"
        if ROBOTS_UNAVAILABLE in reason:
            reason = reason[reason.index(ROBOTS_UNAVAILABLE) :]
        elif "robots" in reason.lower() or crawler.stats.get_value("robotstxt/forbidden"):
            reason = "robots.txt forbids it"
        raise InspectFailed(f"cannot fetch {fetch_url}: {reason}")
    if not isinstance(response, TextResponse):
        raise InspectFailed(f"{fetch_url} is not an HTML page")
    section = section_of_path(url_path(url)) or SECTIONS[0]
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
    record = build_article_record(
        raw=RawPageRecord(
            status=response.status, headers={"Content-Type": content_type}, body=response.body
        ),
        fetched_url=response.url,
        fetched_at=datetime.now(UTC),
        site=site,
        section=section,
        listed_date=None,
        listing_title=None,
        tz=ZoneInfo(crawl.get("CITYNEWS_TIMEZONE")),
    )
    return Inspection(url, response.url, response.status, content_type, len(response.body), record)


def _shown(value: Any, site_tz: ZoneInfo) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, datetime):
        return value.astimezone(site_tz).isoformat()
    if isinstance(value, list):
        items = [item["url"] if isinstance(item, dict) else str(item) for item in value]
        return f"{len(items)}: " + ", ".join(items)
    text = str(value).replace("\n", " ⏎ ")
    if len(text) > PREVIEW:
        return f"{len(str(value))} characters: {text[:PREVIEW]}…"
    return text


def inspection_report(inspection: Inspection, site_tz: ZoneInfo) -> str:
    """Every parsed field with the cue it came from, the warnings, and what was fetched."""
    record = inspection.record
    lines = [
        f"url:      {record.url}",
        f"fetched:  {inspection.fetched_url} (HTTP {inspection.status}, "
        f"{inspection.size} bytes, {inspection.content_type or 'no Content-Type'})",
        f"section:  {record.section}",
        "",
        f"{'field':<20} {'cue':<24} value",
    ]
    for name, cue in FIELD_CUES:
        value = getattr(record, name)
        if name == "published_at" and value and record.published_precision == "date":
            value = value.astimezone(site_tz).date()  # the day alone: no made-up midnight
        lines.append(f"{name:<20} {record.cues.get(cue, '-'):<24} {_shown(value, site_tz)}")
    lines.append("")
    if record.warnings:
        lines.append(f"warnings ({len(record.warnings)}):")
        lines += [f"  - {warning}" for warning in record.warnings]
    else:
        lines.append("warnings: none")
    lines.append("")
    lines.append("nothing was written to the archive")
    return "\n".join(lines)

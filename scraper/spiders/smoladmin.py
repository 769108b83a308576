"""The spider of smoladmin.ru: section listings, their pagination, and every article once."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scraper.items import ArticleRecord, FetchRecord
from scraper.listings import read_listing
from scraper.parsing.article import ArticlePage, parse_article
from scraper.parsing.dates import start_of_day
from scraper.parsing.text import DecodedPage, decode_page
from scraper.sections import Section, section_of_path, select_sections
from scraper.urls import SiteUrls


def split_sections(sections: str | list[str] | None) -> list[str]:
    """Section keys from a spider argument: 'a,b' or a list."""
    if sections is None:
        return []
    if isinstance(sections, str):
        return [key.strip() for key in sections.split(",") if key.strip()]
    return list(sections)


class SmoladminSpider(scrapy.Spider):
    name = "smoladmin"

    def __init__(
        self,
        site_url: str | None = None,
        sections: str | list[str] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_url_argument = site_url
        self.sections: list[Section] = select_sections(split_sections(sections))
        self.retry_urls: list[str] = []
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "SmoladminSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        site_url = spider.site_url_argument or crawler.settings.get("CITYNEWS_SITE_URL")
        spider.site = SiteUrls(site_url)
        spider.allowed_domains = [spider.site.fetch_hostname]
        spider.timezone = ZoneInfo(crawler.settings.get("CITYNEWS_TIMEZONE"))
        return spider

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for section in self.sections:
            yield self.listing_request(self.site.listing_fetch_url(section), section)
        for url in self.retry_urls:
            section = section_of_path(_path(url))
            if section is not None and section in self.sections:
                request = self.article_request(url, section, None, None)
                if request is not None:
                    yield request

    def listing_request(self, url: str, section: Section) -> scrapy.Request:
        return scrapy.Request(
            self.site.to_fetch(url),
            callback=self.parse_listing,
            errback=self.fetch_failed,
            cb_kwargs={"section": section},
            meta={"kind": "listing"},
        )

    def article_request(
        self, url: str, section: Section, listed_date: date | None, listing_title: str | None
    ) -> scrapy.Request | None:
        canonical = self.site.canonical(url)
        if canonical is None or canonical in self.seen:
            return None
        self.seen.add(canonical)
        return scrapy.Request(
            self.site.to_fetch(url),
            callback=self.parse_article,
            errback=self.fetch_failed,
            cb_kwargs={
                "section": section,
                "listed_date": listed_date,
                "listing_title": listing_title,
            },
            meta={"kind": "article"},
        )

    def parse_listing(self, response: Response, section: Section) -> Iterator[Any]:
        yield self.fetch_succeeded(response)
        if not isinstance(response, TextResponse):
            return
        listing = read_listing(page_text(response).text, response.url, self.site, section)
        for article in listing.articles:
            request = self.article_request(
                article.link, section, article.listed_date, article.title
            )
            if request is not None:
                yield request
        for canonical, link in listing.pages.items():
            if canonical not in self.seen:
                self.seen.add(canonical)
                yield self.listing_request(link, section)

    def parse_article(
        self,
        response: Response,
        section: Section,
        listed_date: date | None,
        listing_title: str | None,
    ) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield self.fetch_succeeded(response, error="not an HTML page")
            return
        yield self.fetch_succeeded(response)
        canonical = self.site.canonical(response.url) or response.url
        decoded = page_text(response)
        page = parse_article(
            decoded.text,
            response.url,
            absolutize=lambda link: (
                self.site.canonical(link, response.url) or response.urljoin(link)
            ),
            tz=self.timezone,
        )
        if decoded.warning:
            page.warnings.append(decoded.warning)
        final_section = section_of_path(_path(canonical)) or section
        yield self.article_record(
            page, canonical, final_section, response, listed_date, listing_title
        )

    def article_record(
        self,
        page: ArticlePage,
        canonical: str,
        section: Section,
        response: Response,
        listed_date: date | None,
        listing_title: str | None,
    ) -> ArticleRecord:
        published_at, precision, source = page.published_at, None, None
        if published_at is not None:
            precision, source = ("minute" if page.published_has_time else "date"), "meta-line"
        elif listed_date is not None:
            published_at = start_of_day(listed_date, self.timezone)
            precision, source = "date", "listing"
            page.warnings.append("publication date taken from the listing page")
        cues = dict(page.cues, published_at=source or "none")
        return ArticleRecord(
            url=canonical,
            section=section.key,
            fetched_url=response.url,
            fetched_at=self.now(),
            title=page.title,
            body_text=page.body_text,
            body_html=page.body_html,
            published_at=published_at,
            published_precision=precision,
            published_source=source,
            updated_at=page.updated_at,
            views=page.views,
            meta_line_raw=page.meta_line_raw,
            images=page.images,
            attachments=[{"url": a.url, "title": a.title} for a in page.attachments],
            listing_title=listing_title,
            cues=cues,
            warnings=page.warnings,
        )

    def fetch_succeeded(self, response: Response, error: str | None = None) -> FetchRecord:
        return FetchRecord(
            url=self.site.canonical(response.url) or response.url,
            requested_url=response.request.url if response.request else response.url,
            kind=response.meta.get("kind", "other"),
            ok=error is None,
            status=response.status,
            error=error,
            fetched_at=self.now(),
        )

    def fetch_failed(self, failure: Failure) -> Iterator[FetchRecord]:
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.crawler.stats.inc_value("citynews/ignored_requests")
            return
        status = failure.value.response.status if failure.check(HttpError) else None
        error = (
            f"HTTP {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        )
        yield FetchRecord(
            url=self.site.canonical(request.url) or request.url,
            requested_url=request.url,
            kind=request.meta.get("kind", "other"),
            ok=False,
            status=status,
            error=error,
            fetched_at=self.now(),
        )


def page_text(response: TextResponse) -> DecodedPage:
    """The page's text, decoded from its bytes with the encoding it really has."""
    content_type = response.headers.get("Content-Type")
    return decode_page(response.body, content_type.decode("latin-1") if content_type else None)


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].partition("/")[2]

"""The spider of smoladmin.ru: section listings newest first, and each article that is due.

What is due comes from the crawl plan (`scraper/plan.py`), which the archive pipeline builds
when the crawl opens and the spider asks for before its first request: articles not yet
archived, articles published within the refresh window, removed articles, pages that never
loaded, and the older articles the rolling revisit takes up this run. An incremental walk of a
section stops at the first listing page that holds nothing due and nothing unsettled; a full
walk, or the first walk of a section, visits every listing page.
"""

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Self
from zoneinfo import ZoneInfo

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.crawl_records import ArticleRecord, RawPageRecord
from archive.documents import DocumentFetch, FetchOutcome
from scraper.document_download import DOCUMENT_KEPT, DOCUMENT_REFUSED
from scraper.failures import error_name, failed_request, http_status, not_fetched_by_choice
from scraper.feed import filter_feeds
from scraper.items import ArticleGone, CrawlItem, FetchRecord, ListingFailed, SectionWalked
from scraper.listing_reader import ListedArticle, read_listing
from scraper.page_to_record import build_article_record
from scraper.parsing.text import decode_page
from scraper.pipelines import ArchivePipeline
from scraper.plan import MODES, WalkPlan
from scraper.retry_after import NOT_RETRIED
from scraper.safeguards import RedirectedAway, is_article_page
from scraper.sections import Section, section_of_path, select_sections
from scraper.settings import apply_fast_settings
from scraper.urls import SiteUrls, listing_page_number, url_path

KEPT_HEADERS = ("Content-Type", "Last-Modified", "ETag", "Date", "Content-Language")
DOCUMENT_GONE = (404, 410)
DOCUMENT_PRIORITY = -1  # after the pages: an article is archived before its documents


def spider_sections(sections: str | list[str] | list[Section] | None) -> list[Section]:
    """The sections a spider argument names: 'a,b' or a list of keys (`scrapy crawl -a`), or
    the sections `citynews crawl` already chose (all when none is named)."""
    if not sections:
        return select_sections(None)
    if isinstance(sections, list) and all(isinstance(item, Section) for item in sections):
        return list(dict.fromkeys(sections))  # type: ignore[arg-type]
    if isinstance(sections, str):
        return select_sections([key.strip() for key in sections.split(",") if key.strip()])
    return select_sections(sections)  # type: ignore[arg-type]


class SmoladminSpider(scrapy.Spider):
    name = "smoladmin"
    site: SiteUrls
    timezone: ZoneInfo
    mode: str
    max_listing_pages: int
    fetch_documents: bool
    allowed_domains: list[str]

    def __init__(
        self,
        site_url: str | SiteUrls | None = None,
        sections: str | list[str] | list[Section] | None = None,
        mode: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_url_argument = site_url
        self.mode_argument = mode
        self.sections: list[Section] = spider_sections(sections)
        self.plan = WalkPlan()
        self.seen: set[str] = set()
        self.listed: set[str] = set()
        self.listing_pages: Counter[str] = Counter()
        self.documents_requested: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        given = spider.site_url_argument or settings.get("CITYNEWS_SITE_URL")
        spider.site = given if isinstance(given, SiteUrls) else SiteUrls(given)
        apply_fast_settings(settings, spider.site.fetch_origin)
        filter_feeds(settings)
        bare = spider.site.fetch_hostname.removeprefix("www.")
        spider.allowed_domains = [bare, f"{bare}."]  # and their www. subdomains
        spider.timezone = ZoneInfo(settings.get("CITYNEWS_TIMEZONE"))
        spider.mode = spider.mode_argument or settings.get("CITYNEWS_MODE")
        spider.max_listing_pages = settings.getint("CITYNEWS_MAX_LISTING_PAGES")
        spider.fetch_documents = settings.getbool("CITYNEWS_DOCUMENTS")
        if spider.mode not in MODES:
            raise ValueError(f"unknown crawl mode {spider.mode!r} (known: {', '.join(MODES)})")
        return spider

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.plan = self.planned_walk()
        for section in self.sections:
            yield self.listing_request(self.site.listing_fetch_url(section), section, 1)
        for url in self.plan.first_requests():
            article_section = section_of_path(url_path(url))
            if article_section is not None and article_section in self.sections:
                listed_date = self.plan.listing_date(url)
                request = self.article_request(url, article_section, listed_date, None)
                if request is not None:
                    yield request
        for link in self.plan.unrequested_documents():
            for request in self.document_request(link):
                yield request

    def planned_walk(self) -> WalkPlan:
        """The plan the archive pipeline built when the crawl opened."""
        pipeline = self.crawler.get_item_pipeline(ArchivePipeline)
        if pipeline is None or pipeline.plan is None:
            raise RuntimeError(
                "the smoladmin spider needs scraper.pipelines.ArchivePipeline in ITEM_PIPELINES: "
                "it reads the crawl plan from the archive"
            )
        return pipeline.plan

    def listing_request(self, url: str, section: Section, number: int) -> scrapy.Request:
        self.listing_pages[section.key] += 1
        return scrapy.Request(
            self.site.to_fetch(url),
            callback=self.parse_listing,
            errback=self.fetch_failed,
            cb_kwargs={"section": section, "number": number},
            meta={"kind": "listing", "section": section.key},
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

    def parse_listing(
        self, response: Response, section: Section, number: int
    ) -> Iterator[scrapy.Request | CrawlItem]:
        yield self.fetch_succeeded(response)
        if not isinstance(response, TextResponse):
            return
        listing = response.meta.get("parsed_listing")  # parsed in a worker (parse_pool)
        if listing is None:
            text = decode_page(response.body, _content_type(response)).text
            listing = read_listing(text, response.url, self.site, section)
        offers_new = any(article.url not in self.listed for article in listing.articles)
        self.listed.update(article.url for article in listing.articles)
        yield from self.follow_articles(listing.articles, section)
        later_pages = sorted(
            (page_number, canonical, link)
            for canonical, link in listing.pages.items()
            if (page_number := listing_page_number(canonical, section) or 0) > number
        )
        if not later_pages:
            yield SectionWalked(section.key)
            return
        walks_everything = self.plan.walks_everything(section.key)
        unsettled = any(self.plan.unsettles(article.url) for article in listing.articles)
        if not (walks_everything or unsettled) or not self.walk_goes_on(
            response.url, section, offers_new
        ):
            return
        for page_number, canonical, link in later_pages:
            if not walks_everything and page_number != number + 1:
                continue
            capped = self.listing_pages[section.key] >= self.max_listing_pages
            if canonical not in self.seen and not capped:
                self.seen.add(canonical)
                yield self.listing_request(link, section, page_number)

    def walk_goes_on(self, url: str, section: Section, offers_new: bool) -> bool:
        """Whether a section's walk may go past this listing page (endless pagination stops)."""
        if not offers_new:
            self.logger.warning("%s offers no article not seen in this run: walk stopped", url)
            self.crawler.stats.inc_value("citynews/listing_walks_stopped")
            return False
        if self.listing_pages[section.key] >= self.max_listing_pages:
            self.logger.warning(
                "%s: %d listing pages requested in section %s (CITYNEWS_MAX_LISTING_PAGES): "
                "walk stopped",
                url,
                self.listing_pages[section.key],
                section.key,
            )
            self.crawler.stats.inc_value("citynews/listing_walks_stopped")
            return False
        return True

    def follow_articles(
        self, articles: list[ListedArticle], section: Section
    ) -> Iterator[scrapy.Request]:
        for article in articles:
            if not self.plan.is_due(article.url):
                continue
            request = self.article_request(
                article.link, section, article.listed_date, article.title
            )
            if request is not None:
                yield request

    def parse_article(
        self,
        response: Response,
        section: Section,
        listed_date: date | None,
        listing_title: str | None,
    ) -> Iterator[CrawlItem | scrapy.Request]:
        if not isinstance(response, TextResponse):
            yield self.fetch_succeeded(response, error="not an HTML page")
            return
        if landed_on := self.not_an_article(response):
            yield self.article_gone(response, f"redirected to {landed_on}, not an article page")
            return
        fetched = self.fetch_succeeded(response)
        raw = RawPageRecord(
            status=response.status,
            headers=_kept_headers(response),
            body=response.body,
        )
        parsed = response.meta.get("parsed_article")  # parsed in a worker (parse_pool)
        if parsed is not None:  # one item for the page and its fetch
            raw.compressed, raw.sha256 = parsed.raw.compressed, parsed.raw.sha256
            raw.non_text_share = parsed.raw.non_text_share
            record = replace(parsed, raw=raw, fetched_at=fetched.fetched_at, fetch=fetched)
        else:
            record = build_article_record(
                raw=raw,
                fetched_url=response.url,
                fetched_at=fetched.fetched_at,
                site=self.site,
                section=section,
                listed_date=listed_date,
                listing_title=listing_title,
                tz=self.timezone,
            )
        if record.not_found_cue:
            yield self.article_gone(
                response, f"the page says it does not exist ({record.not_found_cue})"
            )
            return
        if parsed is None:
            yield fetched  # recorded even if storing the page fails
        yield record
        yield from self.document_requests(record)

    def document_requests(self, record: ArticleRecord) -> Iterator[scrapy.Request]:
        """Requests for the documents an article links on the site's own host that are due
        (conditional ones for documents the archive keeps). Links to other hosts are recorded
        with the article and not fetched."""
        for attachment in record.attachments:
            yield from self.document_request(attachment["url"])

    def document_request(self, link: str) -> Iterator[scrapy.Request]:
        """A request for a document on the site's own host, if it is due and not yet asked."""
        if not self.fetch_documents:
            return
        url = self.site.canonical(link)
        if url is None or url in self.documents_requested or not self.plan.document_due(url):
            return
        self.documents_requested.add(url)
        yield scrapy.Request(
            self.site.to_fetch(url),
            callback=self.parse_document,
            errback=self.document_failed,
            headers={"Accept-Encoding": "identity", **self.plan.document_validators(url)},
            priority=DOCUMENT_PRIORITY,
            meta={
                "kind": "document",
                "document_url": url,
                "handle_httpstatus_list": [304, *DOCUMENT_GONE],
            },
        )

    def parse_document(self, response: Response) -> Iterator[DocumentFetch]:
        url = response.meta["document_url"]
        status = response.status
        header = response.headers.get
        etag, modified = header("ETag"), header("Last-Modified")
        kept = response.meta.get(DOCUMENT_KEPT)
        if status == 304:
            outcome, error = FetchOutcome.UNCHANGED, None
        elif status in DOCUMENT_GONE:
            outcome, error = FetchOutcome.REMOVED, f"HTTP {status}"
        elif kept is not None:
            outcome, error = FetchOutcome.NEW, None
        else:
            outcome = FetchOutcome.FAILED
            error = response.meta.get(DOCUMENT_REFUSED) or f"HTTP {status}: no document"
            error = f"{error}, not a document" if error.startswith("an ") else error
        yield DocumentFetch(
            url=url,
            fetched_at=self.now(),
            outcome=outcome,
            file=kept,
            etag=etag.decode("latin-1") if etag else None,
            last_modified=modified.decode("latin-1") if modified else None,
            status=status,
            error=error,
        )

    def document_failed(self, failure: Failure) -> Iterator[DocumentFetch]:
        request = failed_request(failure)
        yield DocumentFetch(
            url=request.meta.get("document_url") or request.url,
            fetched_at=self.now(),
            outcome=FetchOutcome.FAILED,
            status=http_status(failure),
            error=self.failure_reason(failure, request),
        )

    def not_an_article(self, response: Response) -> str | None:
        """Where an article request was sent by a redirect Scrapy followed (a meta refresh),
        when that is no article page; None otherwise."""
        if not response.meta.get("redirect_urls"):
            return None
        landed = self.site.canonical(response.url)
        return None if landed and is_article_page(landed) else landed or response.url

    def article_gone(self, response: Response, reason: str) -> ArticleGone:
        """The article the request was for is gone, as a 404 would say (it stays archived)."""
        redirects = response.meta.get("redirect_urls") or [response.url]
        reasons = response.meta.get("redirect_reasons") or [response.status]
        status = reasons[0] if isinstance(reasons[0], int) else response.status
        return self.gone(redirects[0], status, reason)

    def gone(self, requested: str, status: int, reason: str) -> ArticleGone:
        return ArticleGone(
            FetchRecord(
                url=self.site.canonical(requested) or requested,
                requested_url=requested,
                kind="article",
                ok=False,
                status=status,
                error=reason,
                fetched_at=self.now(),
            )
        )

    def fetch_succeeded(self, response: Response, error: str | None = None) -> FetchRecord:
        url = self.site.canonical(response.url) or response.url
        redirects = response.meta.get("redirect_urls")
        first_url = redirects[0] if redirects else response.url
        redirected_from = self.site.canonical(first_url) if redirects else None
        return FetchRecord(
            url=url,
            requested_url=first_url,
            kind=response.meta.get("kind", "other"),
            ok=error is None,
            status=response.status,
            error=error,
            fetched_at=self.now(),
            redirected_from=redirected_from if redirected_from != url else None,
        )

    def fetch_failed(self, failure: Failure) -> Iterator[FetchRecord | ListingFailed | ArticleGone]:
        request = failed_request(failure)
        if isinstance(failure.value, RedirectedAway):
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            yield self.gone(first, failure.value.status, str(failure.value))
            return
        ignored = not_fetched_by_choice(failure)
        if request.meta.get("kind") == "listing" and not ignored:
            yield ListingFailed(request.meta["section"])
        yield FetchRecord(
            url=self.site.canonical(request.url) or request.url,
            requested_url=request.url,
            kind=request.meta.get("kind", "other"),
            ok=False,
            status=http_status(failure),
            error=self.failure_reason(failure, request),
            fetched_at=self.now(),
            ignored=ignored,
        )

    @staticmethod
    def failure_reason(failure: Failure, request: scrapy.Request) -> str:
        """Why a request gave no response: not fetched by choice, an HTTP status, an error."""
        status = http_status(failure)
        if isinstance(failure.value, RedirectedAway):
            return str(failure.value)
        if not_fetched_by_choice(failure):
            return f"not fetched: {failure.getErrorMessage()}"
        if status and (not_retried := request.meta.get(NOT_RETRIED)):
            return f"HTTP {status}: {not_retried}"
        if status:
            return f"HTTP {status}"
        return error_name(failure)

    def request_dropped(
        self, request: scrapy.Request, reason: str
    ) -> Iterator[FetchRecord | DocumentFetch]:
        """A request dropped before its download (scraper/dropped_requests.py): a failed fetch."""
        self.logger.warning("%s %s", request.url, reason)
        if request.meta.get("kind") == "document":
            yield DocumentFetch(
                url=request.meta["document_url"],
                fetched_at=self.now(),
                outcome=FetchOutcome.FAILED,
                error=reason,
            )
            return
        yield FetchRecord(
            url=self.site.canonical(request.url) or request.url,
            requested_url=request.url,
            kind=request.meta.get("kind", "other"),
            ok=False,
            error=reason,
            fetched_at=self.now(),
        )


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None


def _kept_headers(response: Response) -> dict[str, str]:
    """The response headers that matter for re-parsing a page later."""
    kept = {}
    for name in KEPT_HEADERS:
        value = response.headers.get(name)
        if value is not None:
            kept[name] = value.decode("latin-1")
    return kept

"""Middlewares that turn a hostile site's tricks into recorded failures instead of silence."""

import logging
from collections.abc import Iterable
from typing import Self
from urllib.parse import urljoin

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from w3lib.url import canonicalize_url

from scraper.items import PageRejected
from scraper.sections import section_of_path
from scraper.urls import OFFSITE_REDIRECT, SiteUrls, is_article_url, url_path

logger = logging.getLogger(__name__)


class RedirectLoop(Exception):
    """A page redirects to itself or to a page of its own redirect chain."""


def redirect_target(request: Request, response: Response) -> str | None:
    """The absolute URL a redirect response points to, or None when it is no redirect."""
    location = response.headers.get("Location")
    if response.status not in (301, 302, 303, 307, 308) or not location:
        return None
    return urljoin(request.url, location.decode("latin-1"))


class RedirectLoopMiddleware:
    """Fails a request whose redirect leads back into its own chain (Scrapy's duplicate filter
    would drop the repeated request without a word, and the page would vanish unrecorded)."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        target = redirect_target(request, response)
        if target is None:
            return response
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonicalize_url(target) in {canonicalize_url(url) for url in chain}:
            raise RedirectLoop(f"redirect loop: {request.url} redirects back to {target}")
        return response


class OffsiteRedirect(Exception):
    """A page redirects to a host that is not the site's own: the redirect is not followed."""


class RedirectedAway(Exception):
    """An article redirects to a page that is no article (the home page, a section's listing,
    any other page): the article is gone, and the redirect is not followed."""

    def __init__(self, landed_on: str, status: int) -> None:
        super().__init__(f"redirected to {landed_on}, not an article page")
        self.status = status


class SiteRedirectMiddleware:
    """Fails a request that redirects to another host (a subdomain, and the site's public hosts
    when a mirror is crawled, included), naming that host; and an article request that
    redirects to a page of the site that is no article. Redirects between the site's own hosts
    (www. or not, trailing dot, http or https) are left to Scrapy to follow."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        target = redirect_target(request, response)
        site = getattr(self.crawler.spider, "site", None)
        if target is None or not isinstance(site, SiteUrls):
            return response
        if not site.is_fetched_site(target):
            raise OffsiteRedirect(
                f"{OFFSITE_REDIRECT} {site.host_of(target)}: {request.url} answered "
                f"{response.status} to {target}"
            )
        landed = site.canonical(target)
        if request.meta.get("kind") == "article" and landed and not is_article_page(landed):
            raise RedirectedAway(landed, response.status)
        return response


def is_article_page(canonical_url: str) -> bool:
    """Whether a canonical URL of the site is an article of one of its sections."""
    section = section_of_path(url_path(canonical_url))
    return section is not None and is_article_url(canonical_url, section)


class ParseFailureMiddleware:
    """An article page whose parsing raised is logged and recorded as a failed fetch."""

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Spider | None = None
    ) -> Iterable[PageRejected] | None:
        if response.meta.get("kind") != "article":
            return None
        logger.error("%s could not be parsed", response.url, exc_info=exception)
        site = getattr(spider, "site", None)
        url = site.canonical(response.url) if isinstance(site, SiteUrls) else None
        reason = f"the page could not be parsed ({type(exception).__name__}: {exception})"
        return [PageRejected(url=url or response.url, reason=reason[:500])]

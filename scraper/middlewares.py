"""Downloader middlewares: robots.txt, read as RFC 9309 says, through Scrapy's public APIs."""

import logging
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from scraper.urls import ROBOTS_NO_ANSWER, ROBOTS_UNAVAILABLE

logger = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
ROBOTS_DOWNLOAD_PRIORITY = 1000
FORBIDDEN = "Forbidden by robots.txt"


class RobotsUnavailable(Exception):
    """robots.txt answered 5xx or could not be fetched: the site is disallowed for the run."""


def robots_rules(status: int, body: bytes) -> bytes | None:
    """The rules to obey for a robots.txt answer (RFC 9309 2.3.1): the whole lines within the
    first 500 KiB of a 2xx body; None for a 4xx, which allows everything; RobotsUnavailable for
    any other status."""
    if 200 <= status < 300:
        if len(body) < ROBOTS_MAX_BYTES:
            return body
        return body[:ROBOTS_MAX_BYTES].rpartition(b"\n")[0]
    if 400 <= status < 500:
        return None
    raise RobotsUnavailable(f"it answered HTTP {status}")


class RobotsTxtMiddleware:
    """Obeys robots.txt, one download per origin; requests for that origin wait for it.

    A 2xx answer is parsed (its first 500 KiB, however large the file: the download stops
    there); a 4xx allows everything; a 5xx after retries, or no answer at all, disallows the
    whole site and ends the crawl with "robots.txt unavailable: …".
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent: str = (
            crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings["USER_AGENT"]
        )
        self.parser_class: Any = load_object(crawler.settings.get("ROBOTSTXT_PARSER"))
        self.parsers: dict[str, RobotParser | None] = {}  # per origin; None: everything allowed
        self.unavailable: dict[str, str] = {}  # per origin: why robots.txt could not be read
        self.waiting: dict[str, list[Deferred[None]]] = {}
        self.received: dict[Request, int] = {}  # robots.txt bytes received, per download

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith("http"):
            return
        origin = origin_of(request.url)
        await self.robots_read(origin)
        if origin in self.unavailable:
            raise IgnoreRequest(f"{ROBOTS_UNAVAILABLE}: {self.unavailable[origin]}")
        parser = self.parsers.get(origin)
        if parser is not None and not parser.allowed(request.url, self.user_agent):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest(FORBIDDEN)

    async def robots_read(self, origin: str) -> None:
        """Return once the origin's robots.txt is read (downloading it on the first call)."""
        if origin in self.parsers or origin in self.unavailable:
            return
        if origin in self.waiting:
            waiter: Deferred[None] = Deferred()
            self.waiting[origin].append(waiter)
            await maybe_deferred_to_future(waiter)
            return
        self.waiting[origin] = []
        try:
            self.parsers[origin] = await self.download(origin)
        except Exception as error:
            self.robots_failed(origin, error)
        for waiter in self.waiting.pop(origin):
            waiter.callback(None)

    async def download(self, origin: str) -> RobotParser | None:
        """The parser of the origin's robots.txt, None when it allows everything."""
        request = Request(
            f"{origin}/robots.txt",
            priority=ROBOTS_DOWNLOAD_PRIORITY,
            headers={"Accept-Encoding": "identity"},
            # No size cap: the download stops itself after ROBOTS_MAX_BYTES (bytes_received).
            meta={"dont_obey_robotstxt": True, "download_maxsize": 0},
            callback=NO_CALLBACK,
        )
        assert self.crawler.engine is not None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("robotstxt/request_count")
        try:
            response: Response = await self.crawler.engine.download_async(request)
        finally:
            self.received.pop(request, None)
        self.crawler.stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        rules = robots_rules(response.status, response.body)
        if rules is None:
            return None
        parser: RobotParser = build_from_crawler(self.parser_class, self.crawler, rules)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser

    def robots_failed(self, origin: str, error: Exception) -> None:
        """robots.txt could not be read: disallow the origin and end the crawl, saying why."""
        if isinstance(error, RobotsUnavailable):
            why = str(error)
        else:
            why = f"{ROBOTS_NO_ANSWER} ({type(error).__name__}: {error})"
        reason = f"{origin}/robots.txt: {why}"
        self.unavailable[origin] = reason
        logger.error("%s: %s (the site is disallowed for this run)", ROBOTS_UNAVAILABLE, reason)
        assert self.crawler.engine is not None
        closing = self.crawler.engine.close_spider_async(reason=f"{ROBOTS_UNAVAILABLE}: {reason}")
        deferred_from_coro(closing)

    def bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        """Stop a robots.txt download once it holds the bytes that are parsed."""
        if not request.meta.get("dont_obey_robotstxt") or not request.url.endswith("/robots.txt"):
            return
        received = self.received.get(request, 0) + len(data)
        self.received[request] = received
        if received >= ROBOTS_MAX_BYTES:
            raise StopDownload(fail=False)


def origin_of(url: str) -> str:
    """Scheme and network location: the scope of one robots.txt."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"

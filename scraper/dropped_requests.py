"""Requests that spider middlewares drop before they reach the scheduler, recorded as fetches.

Scrapy's spider middlewares (URL length, depth, and any a project adds) drop a request by not
passing it on, with at most an INFO line: the page would vanish from the archive unrecorded.
Two middlewares frame those that can drop: `RequestsMade` (spider side) notes every request
the spider makes, `RequestsDropped` (engine side) sees which of them came through and hands
the spider each missing one, which the spider records as a fetch with its reason.
"""

from collections.abc import AsyncIterator, Iterable
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings

START = 0  # the ledger key of the spider's start requests, which come with no response


def drop_reason(request: Request, settings: BaseSettings) -> str:
    """Why a spider middleware dropped a request, as far as the settings tell."""
    url_limit = settings.getint("URLLENGTH_LIMIT")
    if url_limit and len(request.url) > url_limit:
        return (
            f"not fetched: its URL has {len(request.url)} characters, "
            f"more than URLLENGTH_LIMIT ({url_limit})"
        )
    depth_limit = settings.getint("DEPTH_LIMIT")
    if depth_limit and request.meta.get("depth", 0) > depth_limit:
        return f"not fetched: deeper than DEPTH_LIMIT ({depth_limit})"
    return "not fetched: dropped by a spider middleware"


class Ledger:
    """The requests made while handling each response (or the start), not yet seen come out."""

    def __init__(self) -> None:
        self.pending: dict[int, dict[int, Request]] = {}

    def made(self, key: int, request: Request) -> None:
        self.pending.setdefault(key, {})[id(request)] = request

    def came_out(self, key: int, request: Request) -> list[Request]:
        """The requests made before this one that did not come out: dropped on the way.

        A request a middleware replaced by a copy comes out as the first one made with its URL.
        """
        pending = self.pending.get(key, {})
        came = id(request) if id(request) in pending else None
        if came is None:
            same_url = (made_id for made_id, made in pending.items() if made.url == request.url)
            came = next(same_url, None)
        if came is None:
            return []
        dropped = []
        for made_id in list(pending):
            made = pending.pop(made_id)
            if made_id == came:
                break
            dropped.append(made)
        return dropped

    def finished(self, key: int) -> list[Request]:
        """Every request still missing once the output is exhausted: all dropped."""
        return list(self.pending.pop(key, {}).values())


class RequestsMade:
    """Spider side: notes every request the spider makes (its callbacks and its start)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def ledger(self) -> Ledger:
        recorder = self.crawler.get_spider_middleware(RequestsDropped)
        assert recorder is not None, "RequestsDropped is enabled with RequestsMade"
        return recorder.ledger

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for made in start:
            if isinstance(made, Request):
                self.ledger().made(START, made)
            yield made

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for made in result:
            if isinstance(made, Request):
                self.ledger().made(id(response), made)
            yield made

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Any = None
    ) -> Iterable[Any]:
        for made in result:
            if isinstance(made, Request):
                self.ledger().made(id(response), made)
            yield made


class RequestsDropped:
    """Engine side: each request made but not come through is recorded by the spider."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ledger = Ledger()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def recorded(self, dropped: list[Request]) -> Iterable[Any]:
        """The spider's records of dropped requests (none if it does not record them)."""
        record = getattr(self.crawler.spider, "request_dropped", None)
        if record is None:
            return
        for request in dropped:
            yield from record(request, drop_reason(request, self.crawler.settings))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for passed in start:
            if isinstance(passed, Request):
                for record in self.recorded(self.ledger.came_out(START, passed)):
                    yield record
            yield passed
        for record in self.recorded(self.ledger.finished(START)):
            yield record

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for passed in result:
            if isinstance(passed, Request):
                for record in self.recorded(self.ledger.came_out(id(response), passed)):
                    yield record
            yield passed
        for record in self.recorded(self.ledger.finished(id(response))):
            yield record

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Any = None
    ) -> Iterable[Any]:
        for passed in result:
            if isinstance(passed, Request):
                yield from self.recorded(self.ledger.came_out(id(response), passed))
            yield passed
        yield from self.recorded(self.ledger.finished(id(response)))

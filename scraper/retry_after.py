"""Retry-After: a 429 or 503 answer's wait is honoured, up to a budget for the run.

Scrapy's retry middleware retries at once. A site that answers 429 (or 503) with Retry-After,
in seconds or as an HTTP date, is asked again no sooner than it said, as long as the run's
waits add up to at most CITYNEWS_RETRY_AFTER_MAX seconds. A wait past what is left of that
budget is not taken: the request fails now, recorded with the reason, and the next run asks
again. A crawl stopped during a wait stops waiting.
"""

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import task

RETRY_AFTER_STATUSES = (429, 503)
NOT_RETRIED = "citynews_not_retried"  # request meta: why a failed request was not retried
POLL_SECONDS = 1.0  # how often a wait checks that the crawl is still running


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """The wait a Retry-After value asks for (seconds, or an HTTP date after now); None when
    it is neither."""
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def response_time(response: Response) -> datetime:
    """When the site answered, by its Date header (its own clock, as its Retry-After date
    is), else now."""
    date = response.headers.get("Date")
    if date:
        try:
            return parsedate_to_datetime(date.decode("latin-1")).astimezone(UTC)
        except (TypeError, ValueError, IndexError):
            pass
    return datetime.now(UTC)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, waiting as long as a 429 or 503 answer's Retry-After asks."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.budget = crawler.settings.getfloat("CITYNEWS_RETRY_AFTER_MAX")
        self.waited = 0.0  # seconds granted to waits in this run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        header = response.headers.get("Retry-After")
        retried = response.status in self.retry_http_codes and not request.meta.get("dont_retry")
        if not retried or response.status not in RETRY_AFTER_STATUSES or header is None:
            return super().process_response(request, response)
        wait = retry_after_seconds(header.decode("latin-1"), response_time(response))
        if wait is None:
            return super().process_response(request, response)
        assert self.crawler.spider is not None, "responses come while the spider runs"
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )
        if retry is None:
            return response
        left = self.budget - self.waited
        if wait > left:
            request.meta[NOT_RETRIED] = (
                f"Retry-After {wait:.0f} s is more than the {max(left, 0):.0f} s left of "
                f"CITYNEWS_RETRY_AFTER_MAX ({self.budget:.0f} s): asked again next run"
            )
            return response
        self.waited += wait
        if not await self.pause(wait):
            request.meta[NOT_RETRIED] = "the crawl stopped while waiting for its Retry-After"
            return response
        return retry

    async def pause(self, seconds: float) -> bool:
        """Wait, unless the crawl stops meanwhile; whether the wait ran its course."""
        from twisted.internet import reactor

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if not self.crawler.crawling:
                return False
            await maybe_deferred_to_future(task.deferLater(reactor, min(POLL_SECONDS, left)))
        return True

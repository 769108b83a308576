"""Parsing off the reactor: article and listing pages are parsed in worker processes.

A downloader middleware hands each successful article or listing response to a process pool
and puts the result in the request's meta (`parsed_article`, `parsed_listing`), so the
spider's callbacks find the work done and the reactor keeps downloading meanwhile. Without
the pool (CITYNEWS_PARSE_WORKERS = 0, or a polite crawl with delays) the callbacks parse.
"""

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from scraper import page_jobs
from scraper.page_jobs import parse_article_page, parse_listing_page, start_worker
from scraper.spiders.smoladmin import SmoladminSpider

MAX_WORKERS = 8


def worker_count(settings: BaseSettings) -> int:
    """Parsing processes: the setting, else one per CPU when the crawl runs without delays."""
    configured = settings.get("CITYNEWS_PARSE_WORKERS")
    if configured is not None:
        return int(configured)
    unthrottled = not settings.getfloat("DOWNLOAD_DELAY") and not settings.getbool(
        "AUTOTHROTTLE_ENABLED"
    )
    cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS) if unthrottled and cpus > 1 else 0


class PoolParser:
    """Downloader middleware: parses article and listing responses in worker processes."""

    def __init__(self, workers: int, crawler: Crawler) -> None:
        self.workers = workers
        self.crawler = crawler
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        workers = worker_count(crawler.settings)
        if workers <= 0:
            raise NotConfigured
        middleware = cls(workers, crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        """Start the workers now: they are ready by the time the first pages arrive."""
        self.executor()

    def executor(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # A fresh server process forks the workers: no threads, no archive connections
            # or crawl lock of this process are copied into them.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([page_jobs.__name__])
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=start_worker,
                initargs=(os.getpid(),),
            )
            for _ in range(self.workers):
                self.pool.submit(os.getpid)
        return self.pool

    async def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        if not isinstance(spider, SmoladminSpider):
            return response
        kind = request.meta.get("kind")
        if response.status != 200 or not isinstance(response, TextResponse):
            return response
        if kind not in ("article", "listing") or "section" not in request.cb_kwargs:
            return response
        header = response.headers.get("Content-Type")
        content_type = header.decode("latin-1") if header else None
        section = request.cb_kwargs["section"]
        if kind == "article":
            job: tuple[Any, ...] = (
                parse_article_page,
                response.body,
                content_type,
                response.url,
                spider.site,
                section,
                request.cb_kwargs.get("listed_date"),
                request.cb_kwargs.get("listing_title"),
                spider.timezone,
            )
        else:
            job = (
                parse_listing_page,
                response.body,
                content_type,
                response.url,
                spider.site,
                section,
            )
        try:
            parsed = await asyncio.get_running_loop().run_in_executor(self.executor(), *job)
        except Exception:
            return response
        request.meta[f"parsed_{kind}"] = parsed
        return response

    def spider_closed(self, spider: Spider) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

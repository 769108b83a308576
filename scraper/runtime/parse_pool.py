"""Parsing off the reactor: article and listing pages are parsed in worker processes.

A downloader middleware hands each successful article or listing response to a worker process
and puts the result in the request's meta (`parsed_article`, `parsed_listing`), so the
spider's callbacks find the work done and the reactor keeps downloading meanwhile. Without
the pool (CITYNEWS_PARSE_WORKERS = 0, or a polite crawl with delays) the callbacks parse.

Each worker is reached over its own pipe, which the reactor's event loop watches: no threads
in the crawl's process relay the pages, and the crawl's site and time zone go to a worker once,
when it starts, not with every page.
"""

import asyncio
import itertools
import logging
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol, Self, runtime_checkable
from zoneinfo import ZoneInfo

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.utils.reactor import is_asyncio_reactor_installed

from scraper.page_jobs import PageJob
from scraper.runtime.page_worker import serve_pages
from scraper.runtime.processes import CONTEXT
from scraper.urls import SiteUrls

logger = logging.getLogger(__name__)
MAX_WORKERS = 8
PAGES_IN_FLIGHT = 2  # per worker: the next page waits in its pipe while it parses one


@runtime_checkable
class PageCrawl(Protocol):
    """What the pool reads of the spider whose pages it parses."""

    site: SiteUrls
    timezone: ZoneInfo


class WorkerFailed(Exception):
    """A worker could not parse a page (or ended): the spider's callback parses it."""


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


@dataclass
class Worker:
    process: BaseProcess
    connection: Connection
    in_flight: deque[int] = field(default_factory=deque)  # job ids, answered in this order


class WorkerPool:
    """Worker processes parsing pages, fed and read by the event loop of the crawl."""

    def __init__(self, count: int, site: SiteUrls, tz: ZoneInfo) -> None:
        self.workers: list[Worker] = []
        for _ in range(count):
            ours, theirs = CONTEXT.Pipe()
            process = CONTEXT.Process(target=serve_pages, args=(theirs, site, tz), daemon=True)
            process.start()
            theirs.close()
            self.workers.append(Worker(process, ours))
        self.waiting: deque[tuple[int, PageJob]] = deque()
        self.answers: dict[int, asyncio.Future[Any]] = {}
        self.job_ids = itertools.count()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def parse(self, job: PageJob) -> Any:
        """The parsed page (raises WorkerFailed when no worker could parse it)."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            for worker in self.workers:
                self.loop.add_reader(worker.connection.fileno(), self.read, worker)
        if not self.workers:
            raise WorkerFailed("no parsing process is running")
        job_id = next(self.job_ids)
        answer = self.answers[job_id] = self.loop.create_future()
        self.waiting.append((job_id, job))
        self.feed(min(self.workers, key=lambda worker: len(worker.in_flight)))
        return await answer

    def feed(self, worker: Worker) -> None:
        """Send a worker waiting pages until it has PAGES_IN_FLIGHT."""
        while self.waiting and len(worker.in_flight) < PAGES_IN_FLIGHT:
            job_id, job = self.waiting.popleft()
            try:
                worker.connection.send((job_id, job))
            except OSError:
                self.waiting.appendleft((job_id, job))
                self.lost(worker)
                return
            worker.in_flight.append(job_id)

    def read(self, worker: Worker) -> None:
        """Take the answers a worker has written, and send it more pages."""
        try:
            while worker.connection.poll():
                job_id, ok, value = worker.connection.recv()
                worker.in_flight.popleft()
                answer = self.answers.pop(job_id)
                if answer.done():
                    continue
                if ok:
                    answer.set_result(value)
                else:
                    answer.set_exception(WorkerFailed(value))
        except (EOFError, OSError):
            self.lost(worker)
            return
        self.feed(worker)

    def lost(self, worker: Worker) -> None:
        """A worker ended: its pages go back to the spider, the others take the rest."""
        self.forget(worker)
        for job_id in worker.in_flight:
            self.fail(job_id, "the parsing process ended")
        if self.workers:
            for other in self.workers:
                self.feed(other)
        else:
            while self.waiting:
                self.fail(self.waiting.popleft()[0], "no parsing process is running")

    def fail(self, job_id: int, why: str) -> None:
        answer = self.answers.pop(job_id, None)
        if answer is not None and not answer.done():
            answer.set_exception(WorkerFailed(why))

    def forget(self, worker: Worker) -> None:
        if self.loop is not None:
            self.loop.remove_reader(worker.connection.fileno())
        worker.connection.close()
        self.workers.remove(worker)

    def close(self) -> None:
        """End the workers (their pipes close) and cancel what is still waiting."""
        workers = list(self.workers)
        for worker in workers:
            self.forget(worker)
        for worker in workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
        for answer in self.answers.values():
            answer.cancel()
        self.answers.clear()
        self.waiting.clear()


class PoolParser:
    """Downloader middleware: parses article and listing responses in worker processes."""

    def __init__(self, workers: int, crawler: Crawler) -> None:
        self.workers = workers
        self.crawler = crawler
        self.starting: Future[WorkerPool] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        workers = worker_count(crawler.settings)
        if workers <= 0 or not is_asyncio_reactor_installed():
            raise NotConfigured
        middleware = cls(workers, crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        """Start the workers now, in a thread: a worker is ready once its server process has
        imported the parsers (most of a second), and meanwhile the crawl fetches robots.txt
        and the first listing pages."""
        if isinstance(spider, PageCrawl):
            starter = ThreadPoolExecutor(1, thread_name_prefix="parse-pool-start")
            self.starting = starter.submit(WorkerPool, self.workers, spider.site, spider.timezone)
            self.starting.add_done_callback(say_if_not_started)
            starter.shutdown(wait=False)

    async def started_pool(self, starting: Future[WorkerPool]) -> WorkerPool:
        try:
            return starting.result() if starting.done() else await asyncio.wrap_future(starting)
        except Exception as error:  # the spider parses
            raise WorkerFailed(f"the parsing processes did not start: {error}") from error

    async def process_response(self, request: Request, response: Response) -> Response:
        kind = request.meta.get("kind")
        starting = self.starting
        if starting is None or response.status != 200 or not isinstance(response, TextResponse):
            return response
        if kind not in ("article", "listing") or "section" not in request.cb_kwargs:
            return response
        header = response.headers.get("Content-Type")
        job = PageJob(
            kind,
            response.body,
            header.decode("latin-1") if header else None,
            response.url,
            request.cb_kwargs["section"],
            request.cb_kwargs.get("listed_date"),
            request.cb_kwargs.get("listing_title"),
        )
        try:
            pool = await self.started_pool(starting)
            parsed = await pool.parse(job)
        except WorkerFailed:
            return response
        request.meta[f"parsed_{kind}"] = parsed
        return response

    async def spider_closed(self, spider: Spider) -> None:
        if self.starting is None:
            return
        starting, self.starting = self.starting, None
        try:
            pool = await self.started_pool(starting)
        except WorkerFailed:
            return
        pool.close()


def say_if_not_started(starting: Future[WorkerPool]) -> None:
    """Log once that the workers could not start (the spider then parses every page)."""
    error = starting.exception()
    if error is not None:
        logger.warning("the parsing processes did not start (%s): the spider parses", error)

"""Progress on a terminal while a crawl runs."""

import sys
from collections.abc import Callable
from typing import Self, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task


def progress_line(value: Callable[[str, int], int]) -> str:
    """Pages fetched and articles new, updated, unchanged, removed; failed fetches."""
    return (
        f"pages {value('citynews/pages', 0)}  "
        f"new {value('citynews/articles_new', 0)}  "
        f"updated {value('citynews/articles_updated', 0)}  "
        f"unchanged {value('citynews/articles_unchanged', 0)}  "
        f"removed {value('citynews/articles_removed', 0)}  "
        f"errors {value('citynews/errors', 0)}"
    )


class ProgressReporter:
    """Rewrites one status line on stderr every second: pages, new/updated articles, errors."""

    def __init__(
        self, stats: StatsCollector, stream: TextIO = sys.stderr, interval: float = 1.0
    ) -> None:
        self.stats = stats
        self.stream = stream
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CITYNEWS_PROGRESS"):
            raise NotConfigured
        assert crawler.stats is not None
        reporter = cls(crawler.stats)
        crawler.signals.connect(reporter.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(reporter.spider_closed, signal=signals.spider_closed)
        return reporter

    def line(self) -> str:
        return progress_line(self.stats.get_value)

    def show(self) -> None:
        self.stream.write("\r\033[K" + self.line())
        self.stream.flush()

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval, now=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.show()
        self.stream.write("\n")
        self.stream.flush()

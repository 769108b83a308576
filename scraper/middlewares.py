"""Downloader middlewares."""

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, safe for requests that wait for robots.txt together.

    Under the asyncio reactor, every request that waits on the same pending robots.txt
    download awaits one Deferred; turning a Deferred into a Future consumes its result, so
    all waiters but the first got None and were let through unchecked. Once the download
    has finished, the parser is read from where the middleware keeps it instead.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is not None:
            return parser
        stored = self._parsers.get(urlparse_cached(request).netloc)
        return stored if isinstance(stored, RobotParser) else None

"""Document downloads, streamed to the document store and never held whole in memory.

`DocumentDownloadHandler` is the crawl's http(s) download handler. Pages go to Scrapy's own
handler; a request marked as a document (meta kind "document") is streamed by httpx straight
into the store's `.partial/` folder, hashed as it arrives, and kept under its sha256 once its
content says it is a document. Being a download handler, it sits behind every downloader
middleware and slot: documents get the crawl's robots.txt rules, delays, concurrency,
User-Agent, retries and redirects like any page.

What a document download gives rides on the request's meta: `DOCUMENT_KEPT` (a StoredFile) or
`DOCUMENT_REFUSED` (why the answer is no document: an HTML page, too large, …). The Response
itself has no body.
"""

import asyncio
import time
from typing import Self

import httpx
from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Headers, Response

from archive.document_store import DocumentStore, Incoming
from archive.documents import StoredFile
from scraper.documents.kinds import HEAD_BYTES, NotADocument, identify, sniff
from scraper.settings import database_url, documents_dir

DOCUMENT_KEPT = "citynews_document_kept"
DOCUMENT_REFUSED = "citynews_document_refused"
DOCUMENT_SECONDS = 1800  # a whole download, however slow the server (50 MiB at 30 KB/s)
ERROR_BODY_BYTES = 64 * 1024  # of a non-2xx answer, kept for the middlewares that read it
DROPPED_HEADERS = (b"content-encoding", b"content-length", b"transfer-encoding")


def is_document_request(request: Request) -> bool:
    return request.meta.get("kind") == "document"


class DocumentDownloadHandler(BaseDownloadHandler):
    """Pages through Scrapy's HTTP/1.1 handler; documents streamed to the document store."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.pages = HTTP11DownloadHandler.from_crawler(crawler)
        db_url = database_url(settings.get("CITYNEWS_DB_URL"))
        self.store = DocumentStore(documents_dir(settings.get("CITYNEWS_DOCUMENTS_DIR"), db_url))
        self.maxsize = settings.getint("CITYNEWS_DOCUMENT_MAXSIZE")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.verify = settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES")
        self.client: httpx.AsyncClient | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if not is_document_request(request):
            return await self.pages.download_request(request)
        return await self.download_document(request)

    async def close(self) -> None:
        await self.pages.close()
        if self.client is not None:
            await self.client.aclose()

    def http_client(self) -> httpx.AsyncClient:
        if self.client is None:
            self.store.clear_partial()  # what a killed crawl left midway
            self.client = httpx.AsyncClient(
                verify=self.verify, follow_redirects=False, trust_env=False, timeout=None
            )
        return self.client

    async def download_document(self, request: Request) -> Response:
        """Stream a document; DOWNLOAD_TIMEOUT bounds each wait for the server (to connect,
        for the next bytes), DOCUMENT_SECONDS the whole download."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(DOCUMENT_SECONDS):
                return await self.stream(request, started)
        except (TimeoutError, httpx.TimeoutException):
            raise DownloadTimeoutError(
                f"Getting {request.url} took longer than "
                f"{self.wait_limit(request)} seconds between bytes, "
                f"or {DOCUMENT_SECONDS} seconds in all."
            ) from None
        except httpx.ConnectError as error:
            if "Name or service not known" in str(error) or "nodename" in str(error):
                raise CannotResolveHostError(str(error)) from None
            raise DownloadConnectionRefusedError(str(error) or "connection refused") from None
        except httpx.RemoteProtocolError as error:
            raise ResponseDataLossError(str(error) or "the connection closed early") from None
        except httpx.HTTPError as error:
            raise DownloadFailedError(f"{type(error).__name__}: {error}") from None

    def wait_limit(self, request: Request) -> float:
        return float(request.meta.get("download_timeout") or self.timeout)

    async def stream(self, request: Request, started: float) -> Response:
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in request.headers.items()
            for value in values
        ]
        async with self.http_client().stream(
            request.method,
            request.url,
            headers=headers,
            content=request.body or None,
            timeout=self.wait_limit(request),
        ) as answer:
            request.meta["download_latency"] = time.monotonic() - started
            kept_headers = Headers(
                [
                    (name, value)
                    for name, value in answer.headers.raw
                    if name.lower() not in DROPPED_HEADERS
                ]
            )
            if not 200 <= answer.status_code < 300:
                body = await read_some(answer, ERROR_BODY_BYTES)
                return Response(
                    request.url, answer.status_code, kept_headers, body, request=request
                )
            with self.store.incoming() as incoming:
                refused = await self.receive(answer, incoming)
                if refused is None:
                    incoming.file.flush()
                    verdict = identify(incoming.path)
                    if isinstance(verdict, NotADocument):
                        refused = verdict.reason
                    else:
                        self.store.keep(incoming)
                        request.meta[DOCUMENT_KEPT] = StoredFile(
                            incoming.sha256, incoming.size, str(verdict)
                        )
            if refused is not None:
                request.meta[DOCUMENT_REFUSED] = refused
            return Response(request.url, answer.status_code, kept_headers, b"", request=request)

    async def receive(self, answer: httpx.Response, incoming: Incoming) -> str | None:
        """Write the answer's body to the incoming file; why it is no document when its first
        bytes or its size say so (the download stops there)."""
        sniffed = False
        async for chunk in answer.aiter_bytes():
            if incoming.size + len(chunk) > self.maxsize:
                return (
                    f"larger than {self.maxsize} bytes (CITYNEWS_DOCUMENT_MAXSIZE): not downloaded"
                )
            incoming.write(chunk)
            if not sniffed and len(incoming.head) >= HEAD_BYTES:
                sniffed = True
                verdict = sniff(incoming.head)
                if isinstance(verdict, NotADocument):
                    return verdict.reason
        if not sniffed:
            verdict = sniff(incoming.head)
            if isinstance(verdict, NotADocument):
                return verdict.reason
        return None


async def read_some(answer: httpx.Response, limit: int) -> bytes:
    """The first `limit` bytes of an answer's body."""
    body = b""
    async for chunk in answer.aiter_bytes():
        body += chunk[: limit - len(body)]
        if len(body) >= limit:
            break
    return body

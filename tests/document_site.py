"""A news section whose announcements link documents, served from a thread of the test.

Three articles link, between them: a PDF with a Russian text layer (answering conditional
requests by ETag), a DOCX, the same PDF again at a second URL, an HTML page served at a .pdf
URL, a missing file, a file larger than the crawl's cap, a file robots.txt closes, a document
on another host, and the same two files served by scripts at addresses with no extension.
`files` can be changed between crawls (a file replaced, removed).
"""

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler

from tests.site import templates as t
from tests.support.documents import docx, text_pdf
from tests.support.http import threaded_server

SECTION = "/press-centr/novosti/"
ROBOTS_TXT = "User-agent: *\nDisallow: /closed/\n"
DECREE_PAGES = [
    ["Постановление Администрации города Смоленска", "О проведении публичных слушаний"],
    ["Публичные слушания по проекту планировки территории", "назначить на 15 марта"],
]
PLAN_TEXT = ["Перечень объектов благоустройства", "Сквер на улице Ленина"]
NEW_DECREE_PAGES = [["Постановление в новой редакции", "О переносе публичных слушаний"]]
BIG_SIZE = 300_000
CHUNK = 16 * 1024


def big_pdf() -> bytes:
    """A PDF padded past the cap the tests set (200,000 bytes)."""
    return text_pdf([["Большой документ"]]) + b"%" + b"0" * BIG_SIZE + b"\n"


@dataclass
class Served:
    body: bytes
    kind: str = "application/pdf"
    gap: float = 0.0  # seconds between chunks of CHUNK bytes: a slow server
    stall: float = 0.0  # seconds of silence halfway through the body
    validators: bool = True  # sends an ETag and answers If-None-Match

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


def initial_files() -> dict[str, Served]:
    decree = Served(text_pdf(DECREE_PAGES))
    plan = docx(PLAN_TEXT)
    return {
        "/upload/iblock/decree.pdf": decree,
        "/upload/iblock/copy-of-decree.pdf": Served(decree.body),
        "/upload/iblock/plan.docx": Served(plan, "application/octet-stream"),
        "/upload/iblock/fake.pdf": Served(b"<!DOCTYPE html><html><body>Not here</body></html>"),
        "/upload/iblock/big.pdf": Served(big_pdf()),
        "/closed/secret.pdf": Served(text_pdf([["Закрыто"]])),
        "/download.php": Served(decree.body, "application/force-download"),
        "/getfile/15": Served(plan, "application/octet-stream"),
    }


ARTICLE_LINKS = {
    1: [
        ("/upload/iblock/decree.pdf", "Постановление № 123"),
        ("/upload/iblock/plan.docx", "План благоустройства"),
        ("/upload/iblock/fake.pdf", "Приложение (битая ссылка)"),
        ("/upload/iblock/missing.pdf", "Протокол"),
    ],
    2: [
        ("/upload/iblock/decree.pdf", "Постановление"),
        ("/upload/iblock/copy-of-decree.pdf", "Копия постановления"),
        ("/upload/iblock/big.pdf", "Материалы проекта"),
        ("/closed/secret.pdf", "Закрытый документ"),
        ("https://other.example.org/files/report.pdf", "Отчёт на другом сайте"),
    ],
    3: [  # served by scripts, with no extension: told by the address or the link's text
        ("/download.php?id=7", "Протокол (PDF, 120 Кб)"),
        ("/getfile/15", "Заключение о результатах слушаний"),
        (f"{SECTION}obyavlenie-1", "Первое объявление"),  # a page, not a document
    ],
}


@dataclass
class DocumentSite:
    url: str = ""
    published: datetime = field(default_factory=lambda: datetime.now() - timedelta(hours=3))
    files: dict[str, Served] = field(default_factory=initial_files)
    links: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: dict(ARTICLE_LINKS))
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # path, headers

    def requested(self, path: str) -> list[dict[str, str]]:
        """The headers of each request for a path, in order."""
        return [headers for seen, headers in self.log if seen == path]

    def article_page(self, number: int) -> str:
        links = "".join(
            f'<p><a href="{href}">{t.e(title)}</a></p>' for href, title in self.links[number]
        )
        body = f"<p>Объявление номер {number} о публичных слушаниях.</p>{links}"
        when = self.published - timedelta(minutes=number)
        line = f"Опубликовано: {when:%d.%m.%Y %H:%M} Просмотров: 7"
        meta = f'<div class="b-article__info">{line}</div>'
        title = f"Публичные слушания {number}"
        return t.document(title, t.article_main(1, title, body, meta, "", "Главная • Новости"))

    def listing_page(self) -> str:
        items = "".join(
            t.listing_item(
                "query",
                f"{SECTION}obyavlenie-{number}",
                f"Публичные слушания {number}",
                f"{self.published:%d.%m.%Y}",
                "Объявление",
            )
            for number in self.links
        )
        inner = f'<main class="listing"><h1>Новости</h1>\n<div class="list">{items}</div></main>\n'
        return t.document("Новости", inner)


@contextmanager
def document_site() -> Iterator[DocumentSite]:
    site = DocumentSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            site.log.append((path, {name.lower(): value for name, value in self.headers.items()}))
            if path == "/robots.txt":
                return self.send(200, ROBOTS_TXT.encode(), "text/plain")
            if path.rstrip("/") == SECTION.rstrip("/"):
                return self.send(200, site.listing_page().encode())
            if path.startswith(f"{SECTION}obyavlenie-"):
                number = int(path.rsplit("-", 1)[1])
                if number in site.links:
                    return self.send(200, site.article_page(number).encode())
            served = site.files.get(path)
            if served is None:
                return self.send(404, t.document("Не найдено", "<p>Нет</p>").encode())
            if not served.validators:
                return self.send(200, served.body, served.kind)
            if self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.send_header("ETag", served.etag)
                self.end_headers()
                return None
            if served.gap or served.stall:
                return self.trickle(served)
            return self.send(200, served.body, served.kind, {"ETag": served.etag})

        def trickle(self, served: Served) -> None:
            self.send_response(200)
            self.send_header("Content-Type", served.kind)
            self.send_header("Content-Length", str(len(served.body)))
            self.end_headers()
            body = served.body
            with suppress(BrokenPipeError, ConnectionResetError):  # the crawler gave up
                for start in range(0, len(body), CHUNK):
                    if served.stall and start >= len(body) // 2 > start - CHUNK:
                        time.sleep(served.stall)
                    self.wfile.write(body[start : start + CHUNK])
                    self.wfile.flush()
                    time.sleep(served.gap)

        def send(
            self,
            status: int,
            body: bytes,
            kind: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):  # a file over the cap
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with threaded_server(Handler) as address:
        site.url = address
        yield site

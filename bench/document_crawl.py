"""What downloading documents costs a crawl: wall time and peak memory (RSS of the crawl and
all its processes together) of a first crawl of a local section whose articles link N
documents, against the same crawl with documents off; then a next-day run of the unchanged
site (document requests made, seconds).

    python bench/document_crawl.py [--articles 250] [--per-article 4] [--big-every 100]

Each document is a Russian text PDF padded to 0.1-2 MB (one in --big-every is 45 MB, to show
that a download is streamed to disk, not held in memory); every file is distinct. Times
include reading every document's text after the crawl.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.document_text import machine  # noqa: E402
from tests.site import templates as t  # noqa: E402
from tests.support.documents import DECREE, PROTOCOL, text_pdf  # noqa: E402

SECTION = "/press-centr/novosti/"
PER_PAGE = 20
MB = 1_000_000
CHUNK = 64 * 1024


class Section:
    def __init__(self, articles: int, per_article: int, big_every: int) -> None:
        self.articles = articles
        self.per_article = per_article
        self.big_every = big_every
        self.base = [text_pdf([DECREE, PROTOCOL] * (1 + n % 3)) for n in range(20)]
        self.published = datetime.now() - timedelta(hours=3)
        self.requests: list[str] = []

    def size(self, number: int) -> int:
        if self.big_every and number % self.big_every == self.big_every - 1:
            return 45 * MB
        return 100_000 + (number * 7919 % 20) * 100_000

    def document(self, number: int) -> Iterator[bytes]:
        """A distinct PDF: a text PDF, then a comment of filler bytes up to its size."""
        head = self.base[number % len(self.base)] + b"%" + str(number).encode()
        yield head
        left = self.size(number) - len(head) - 1
        filler = bytes((number + n) % 26 + 65 for n in range(CHUNK))
        while left > 0:
            yield filler[: min(left, CHUNK)]
            left -= CHUNK
        yield b"\n"

    def article(self, number: int) -> str:
        first = number * self.per_article
        links = "".join(
            f'<p><a href="/upload/iblock/doc-{n}.pdf">Документ {n}</a></p>'
            for n in range(first, first + self.per_article)
        )
        when = self.published - timedelta(minutes=number)
        meta = (
            f'<div class="b-article__info">Опубликовано: {when:%d.%m.%Y %H:%M} Просмотров: 5</div>'
        )
        title = f"Объявление о публичных слушаниях {number}"
        body = f"<p>Текст объявления номер {number}.</p>{links}"
        return t.document(title, t.article_main(1, title, body, meta, "", "Главная • Новости"))

    def listing(self, page: int) -> str:
        pages = -(-self.articles // PER_PAGE)
        numbers = range((page - 1) * PER_PAGE, min(page * PER_PAGE, self.articles))
        items = "".join(
            t.listing_item(
                "query",
                f"{SECTION}obyavlenie-{n}",
                f"Объявление о публичных слушаниях {n}",
                f"{self.published:%d.%m.%Y}",
                "Текст",
            )
            for n in numbers
        )
        inner = (
            f'<main class="listing"><h1>Новости</h1>\n<div class="list">{items}</div>\n'
            f"{t.pager('query', SECTION, page, pages)}</main>\n"
        )
        return t.document("Новости", inner)


def serve(section: Section) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            section.requests.append(self.path)
            path, _, query = self.path.partition("?")
            if path == "/robots.txt":
                return self.send(b"User-agent: *\nDisallow: /search/\n", "text/plain")
            if path.rstrip("/") == SECTION.rstrip("/"):
                page = int(query.partition("page=")[2] or 1)
                return self.send(section.listing(page).encode())
            if path.startswith(f"{SECTION}obyavlenie-"):
                return self.send(section.article(int(path.rsplit("-", 1)[1])).encode())
            if path.startswith("/upload/iblock/doc-"):
                number = int(path.rsplit("-", 1)[1].removesuffix(".pdf"))
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(section.size(number)))
                self.send_header("ETag", f'"{number}"')
                self.end_headers()
                for chunk in section.document(number):
                    self.wfile.write(chunk)
                return None
            return self.send(b"not found", "text/plain", 404)

        def send(self, body: bytes, kind: str = "text/html; charset=utf-8", status: int = 200):  # type: ignore[no-untyped-def]
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def crawl(url: str, folder: Path, *settings: str, days_later: int = 0) -> tuple[float, int]:
    """Seconds, and the peak RSS of the crawl's process tree."""
    now = (datetime.now().astimezone() + timedelta(days=days_later)).isoformat()
    command = [
        sys.executable, "-m", "citynews", "crawl", "--site-url", url, "--section", "novosti",
        "--db", f"sqlite:///{folder / 'archive.sqlite3'}", "-s", f"CITYNEWS_NOW={now}",
        *settings,
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    _, errors = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"crawl failed ({process.returncode}): {errors.strip()}")
    return seconds, peak


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=250)
    parser.add_argument("--per-article", type=int, default=4)
    parser.add_argument("--big-every", type=int, default=100)
    args = parser.parse_args()
    section = Section(args.articles, args.per_article, args.big_every)
    documents = args.articles * args.per_article
    served = sum(section.size(n) for n in range(documents))
    server = serve(section)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(machine())
    print(f"{args.articles} articles linking {documents} distinct PDFs, {served / MB:.0f} MB")
    with tempfile.TemporaryDirectory() as without, tempfile.TemporaryDirectory() as with_:
        seconds, peak = crawl(url, Path(without), "-s", "CITYNEWS_DOCUMENTS=0")
        print(f"documents off: {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB")
        seconds_on, peak_on = crawl(url, Path(with_))
        kept = folder_bytes(Path(with_) / "documents")
        print(
            f"documents on:  {seconds_on:.1f} s, peak RSS {peak_on / 2**20:.0f} MiB "
            f"({seconds_on / seconds:.1f}x the time, {peak_on / peak:.2f}x the memory); "
            f"{kept / MB:.0f} MB kept"
        )
        section.requests.clear()
        seconds_next, _ = crawl(url, Path(with_), days_later=1)
        asked = sum(1 for path in section.requests if path.startswith("/upload/"))
        print(
            f"next day, unchanged site: {seconds_next:.1f} s, {asked} document requests "
            f"of {len(section.requests)}"
        )
    server.shutdown()


if __name__ == "__main__":
    main()

"""A full crawl against bare Scrapy fetching exactly the same URLs (target: at most 1.3x).

    python bench/crawl_vs_bare.py [--pages 210] [--per-page 10] [--runs 3]

Generates a copy of the news section at scale (--pages listing pages of --per-page articles,
each listing page with menus, side blocks and a numbered pagination bar of about 60 pages,
about 180 links; article pages in the site's template with a meta line), serves it from a
threaded HTTP server in this process, then runs in turn, --runs times each:

- `citynews crawl --section novosti` into a fresh SQLite archive, delays off (loopback), and
- bare Scrapy with the same download settings fetching the URLs that crawl requested, with
  no parsing and no storage,

both as whole processes, and prints the best time of each and the ratio, with the CPU time
of each run (user and system, of the process and of the processes it waited for).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.listing_page import NOVOSTI, synthetic_listing  # noqa: E402

ROBOTS = b"User-agent: *\nDisallow: /search/\n"
PARAGRAPHS = (
    "Администрация города Смоленска сообщает о ходе работ по благоустройству общественных "
    "пространств: подрядчики уложили новое покрытие, установили скамейки и освещение.",
    "Специалисты профильного комитета проверили качество работ и составили перечень "
    "замечаний, которые подрядчик обязан устранить до конца месяца.",
    "Жители могут направить свои предложения через портал обращений граждан или по "
    "телефону горячей линии администрации.",
    "Глава города отметил, что работы ведутся по графику и завершатся в установленный срок.",
)


def page_key(target: str) -> str:
    """A request target as the server files it: path without trailing slash, and query."""
    parts = urlsplit(target)
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


def generate_site(pages: int, per_page: int) -> dict[str, bytes]:
    """Every page of the generated section, by page key."""
    from tests.site import templates as t

    site: dict[str, bytes] = {"/robots.txt": ROBOTS}
    for page in range(1, pages + 1):
        html, expected = synthetic_listing(per_page, page, pages, pager_window=30)
        key = page_key(NOVOSTI if page == 1 else f"{NOVOSTI}?page={page}")
        site[key] = html.encode()
        for number, entry in enumerate(expected["entries"]):
            day = entry["listed_date"]
            published = f"{day[8:10]}.{day[5:7]}.{day[0:4]} {10 + number % 8:02d}:{number % 60:02d}"
            body = "".join(
                f"<p>{t.e(PARAGRAPHS[(number + k) % len(PARAGRAPHS)])}</p>" for k in range(5)
            )
            inner = t.article_main(
                1,
                entry["title"],
                body,
                t.meta_html(1, published, None, 100 + number),
                t.side_block(1, []),
                '<a href="/">Главная</a> • <a href="/press-centr/">Пресс-центр</a>',
            )
            path = urlsplit(entry["url"]).path
            site[page_key(path)] = t.document(entry["title"], inner).encode()
    return site


class SiteHandler(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}
    served: ClassVar[list[str]] = []
    lock = threading.Lock()

    def do_GET(self) -> None:
        target = self.path
        body = self.pages.get(page_key(target))
        with self.lock:
            self.served.append(target)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        kind = "text/plain" if target == "/robots.txt" else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def run_bare(url_file: str) -> None:
    """Bare Scrapy: fetch the listed URLs with the crawl's download settings, keep nothing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from scraper.crawl import CrawlOptions, crawl_settings

    urls = json.loads(Path(url_file).read_text())

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[no-untyped-def]
            for url in urls:
                yield scrapy.Request(url, callback=self.ignore, dont_filter=True)

        def ignore(self, response: Any) -> None:
            return None

    settings = crawl_settings(CrawlOptions(site_url=urls[0], db_url="sqlite://"))
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("EXTENSIONS", {}, priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["scraper.parse_pool.PoolParser"] = None
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    process.start()


def timed(command: list[str], cwd: str) -> tuple[float, float]:
    """Wall time of a command, and the CPU time of it and the processes it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=210)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        return run_bare(args.bare)
    SiteHandler.pages = generate_site(args.pages, args.per_page)
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    articles = sum(1 for key in SiteHandler.pages if key.count("/") == 3 and "?" not in key)
    print(f"generated site: {args.pages} listing pages, {articles} articles")
    ours: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    requested = 0
    with tempfile.TemporaryDirectory() as folder:
        url_file = Path(folder) / "urls.json"
        for run in range(args.runs):
            db = Path(folder) / f"run{run}.sqlite3"
            crawl = [sys.executable, "-m", "citynews", "crawl", "--site-url", origin]
            crawl += ["--db", f"sqlite:///{db}", "--section", "novosti", "--quiet"]
            SiteHandler.served.clear()
            ours.append(timed(crawl, folder))
            served = list(SiteHandler.served)
            requested = len(served)
            urls = [origin + "/robots.txt"] + [origin + t for t in served if t != "/robots.txt"]
            url_file.write_text(json.dumps(urls))
            check = subprocess.run(
                ["sqlite3", str(db), "SELECT count(*) FROM articles"],
                capture_output=True,
                text=True,
            )
            print(
                f"  citynews crawl {ours[-1][0]:6.2f} s, CPU {ours[-1][1]:6.2f} s  "
                f"({requested} requests, {check.stdout.strip()} articles archived)"
            )
            SiteHandler.served.clear()
            bare.append(timed([sys.executable, __file__, "--bare", str(url_file)], folder))
            print(
                f"  bare Scrapy    {bare[-1][0]:6.2f} s, CPU {bare[-1][1]:6.2f} s  "
                f"({len(SiteHandler.served)} requests)"
            )
    server.shutdown()
    (wall, cpu), (bare_wall, bare_cpu) = min(ours), min(bare)
    print(
        f"best of {args.runs}: citynews crawl {wall:.2f} s, bare Scrapy {bare_wall:.2f} s, "
        f"ratio {wall / bare_wall:.2f}x (CPU of those runs: {cpu:.2f} s against "
        f"{bare_cpu:.2f} s, {cpu / bare_cpu:.2f}x)"
    )


if __name__ == "__main__":
    main()

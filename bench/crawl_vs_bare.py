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
of each run: of every process it started (sampled from /proc: the parsing workers are not the
crawl's children) and of this process, whose threads serve the site.

Third in each round, bare Scrapy again, with the crawl's own work running beside it: one
process, started at the same moment at the niceness of the crawl's workers, parses every page
that crawl fetched and writes the records through the archive's writer in batches. The time
until both are done is a floor for this machine: the crawl does all of that work and more (it
also hands the pages and records between its processes). The bench prints it with its ratio
to bare Scrapy alone, and the crawl's ratio to it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.listing_page import NOVOSTI, synthetic_listing  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WORKER_NICENESS = 10  # the crawl's parsing workers and writer run at this niceness
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
    from scraper.urls import SiteUrls

    urls = json.loads(Path(url_file).read_text())

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[no-untyped-def]
            for url in urls:
                yield scrapy.Request(url, callback=self.ignore, dont_filter=True)

        def ignore(self, response: Any) -> None:
            return None

    settings = crawl_settings(CrawlOptions(site=SiteUrls(urls[0]), db_url="sqlite://"))
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("EXTENSIONS", {}, priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["scraper.runtime.parse_pool.PoolParser"] = None
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    process.start()


def run_work(url_file: str, pages: int, per_page: int) -> None:
    """The crawl's own work with no crawl: parse each page the crawl fetched, then write the
    records through the archive's writer in batches as the crawl does, all in this process.
    Prints the CPU seconds of both steps (JSON), imports and the archive's creation left out."""
    from archive.crawl_records import FetchRecord
    from archive.db import open_archive, session_scope
    from archive.runs import start_run
    from archive.search.lemmas import lemmas
    from scraper.archive_writer import ArchiveWriter, WriterConfig
    from scraper.page_jobs import parse_article_page, parse_listing_page
    from scraper.sections import SECTIONS_BY_KEY
    from scraper.settings import CITYNEWS_TIMEZONE, CITYNEWS_WRITE_BATCH
    from scraper.urls import SiteUrls

    site_pages = generate_site(pages, per_page)
    urls = [url for url in json.loads(Path(url_file).read_text()) if "/robots.txt" not in url]
    parts = urlsplit(urls[0])
    site, section = SiteUrls(f"{parts.scheme}://{parts.netloc}"), SECTIONS_BY_KEY["novosti"]
    tz = ZoneInfo(CITYNEWS_TIMEZONE)
    db_url = f"sqlite:///{Path(url_file).parent / 'work.sqlite3'}"
    with session_scope(open_archive(db_url)) as session:
        run_id = start_run(session, datetime.now(UTC), "full", site.fetch_origin, ["novosti"]).id
    writer = ArchiveWriter(WriterConfig(db_url, run_id, CITYNEWS_TIMEZONE, False))
    lemmas("смоленск")  # as a worker does before its first page
    content_type = "text/html; charset=utf-8"

    started = time.process_time()
    items: list[Any] = []
    for url in urls:
        body = site_pages[page_key(url)]
        listing = urlsplit(url).path.rstrip("/") == NOVOSTI.rstrip("/")
        kind = "listing" if listing else "article"
        fetch = FetchRecord(site.canonical(url) or url, url, kind, True, datetime.now(UTC), 200)
        if listing:
            parse_listing_page(body, content_type, url, site, section)
            items.append(fetch)
        else:
            record = parse_article_page(body, content_type, url, site, section, None, None, tz)
            items.append(replace(record, fetch=fetch))
    parsed = time.process_time()
    stats: list[str] = []
    for first in range(0, len(items), CITYNEWS_WRITE_BATCH):
        for names, _ in writer.write_batch(items[first : first + CITYNEWS_WRITE_BATCH]):
            stats += names
    written = time.process_time()
    writer.close()
    stored = stats.count("citynews/articles_new")
    print(json.dumps({"parse": parsed - started, "write": written - parsed, "articles": stored}))


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def timed(command: list[str], cwd: str) -> tuple[float, float, float]:
    """Wall time of a command, the CPU time of all its processes (each one's last reading,
    taken every 20 ms), and the CPU time of this process's other threads meanwhile (the HTTP
    server's)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ours, watching = time.process_time(), time.thread_time()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env)
    last_reading: dict[int, float] = {}
    while process.poll() is None:
        tree = [process.pid]
        for pid in tree:
            with suppress(OSError):  # gone since it was listed
                last_reading[pid] = process_cpu(pid)
                tree += children(pid)
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    server = time.process_time() - ours - (time.thread_time() - watching)
    return seconds, sum(last_reading.values()), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=210)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        return run_bare(args.bare)
    if args.work:
        return run_work(args.work, args.pages, args.per_page)
    SiteHandler.pages = generate_site(args.pages, args.per_page)
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    articles = sum(1 for key in SiteHandler.pages if key.count("/") == 3 and "?" not in key)
    print(f"generated site: {args.pages} listing pages, {articles} articles")
    ours: list[tuple[float, float, float]] = []
    bare: list[tuple[float, float, float]] = []
    beside: list[tuple[float, dict[str, Any]]] = []
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
                f"  citynews crawl {ours[-1][0]:6.2f} s, CPU {ours[-1][1]:6.2f} s, "
                f"server {ours[-1][2]:5.2f} s  ({requested} requests, "
                f"{check.stdout.strip()} articles archived)"
            )
            SiteHandler.served.clear()
            bare.append(timed([sys.executable, __file__, "--bare", str(url_file)], folder))
            print(
                f"  bare Scrapy    {bare[-1][0]:6.2f} s, CPU {bare[-1][1]:6.2f} s, "
                f"server {bare[-1][2]:5.2f} s  ({len(SiteHandler.served)} requests)"
            )
            SiteHandler.served.clear()
            beside.append(bare_beside_work(url_file, args.pages, args.per_page))
            seconds, work = beside[-1]
            print(
                f"  bare Scrapy beside the work {seconds:6.2f} s  (the same pages parsed in "
                f"{work['parse']:.2f} s CPU and {work['articles']} articles written in "
                f"{work['write']:.2f} s CPU, by one process without a crawl)"
            )
    server.shutdown()
    (wall, cpu, _), (bare_wall, bare_cpu, _) = min(ours), min(bare)
    floor = min(seconds for seconds, _ in beside)
    print(
        f"best of {args.runs}: citynews crawl {wall:.2f} s, bare Scrapy {bare_wall:.2f} s, "
        f"ratio {wall / bare_wall:.2f}x (CPU of those runs: {cpu:.2f} s against "
        f"{bare_cpu:.2f} s, {cpu / bare_cpu:.2f}x)"
    )
    print(
        f"floor: bare Scrapy with the crawl's parsing and writing beside it, without a crawl "
        f"to tie them: {floor:.2f} s, {floor / bare_wall:.2f}x bare Scrapy; the crawl "
        f"{wall / floor:.2f}x that"
    )


def bare_beside_work(url_file: Path, pages: int, per_page: int) -> tuple[float, dict[str, Any]]:
    """Bare Scrapy fetching the URLs while another process, started with it at the crawl's
    workers' priority, parses the same pages and writes their records: the time until both
    are done, and what the work step reports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    (url_file.parent / "work.sqlite3").unlink(missing_ok=True)
    sizes = ["--pages", str(pages), "--per-page", str(per_page)]
    started = time.perf_counter()
    work = subprocess.Popen(
        [sys.executable, __file__, "--work", str(url_file), *sizes],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: os.nice(WORKER_NICENESS),
    )
    timed([sys.executable, __file__, "--bare", str(url_file)], str(url_file.parent))
    output, _ = work.communicate()
    if work.returncode:
        raise subprocess.CalledProcessError(work.returncode, work.args)
    return time.perf_counter() - started, json.loads(output.splitlines()[-1])


if __name__ == "__main__":
    main()

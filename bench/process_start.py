"""How long a command's helper processes take to start, each measured in a fresh process.

    python bench/process_start.py [--runs 5]

- writer: the crawl's writer process, until it answers a first task;
- pool: two parsing processes of the crawl, until both answered a first page;
- crawl: both at once, as a crawl starts them (the pool from a thread);
- reparse: reparse's two parsing processes, until both answered a first task.

Every helper is forked by the command's one fork server (scraper/runtime/processes.py); the
times include starting that server, once per command. Prints the median and best of --runs.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKERS = 2
LISTING = b"<html><body><h1>News</h1></body></html>"
SCENARIOS = ("writer", "pool", "crawl", "reparse")


def writer_ready(db_url: str) -> float:
    from scraper.archive_writer import WriterConfig
    from scraper.runtime.writer_process import WriterProcess

    started = time.perf_counter()
    writer = WriterProcess(WriterConfig(db_url, 1, "Europe/Moscow", False))
    writer.executor.submit(os.getpid).result()
    took = time.perf_counter() - started
    writer.stop()
    return took


def pool_ready() -> float:
    from scraper.page_jobs import PageJob
    from scraper.runtime.parse_pool import WorkerPool
    from scraper.sections import SECTIONS
    from scraper.urls import CANONICAL_ORIGIN, SiteUrls

    site = SiteUrls("http://127.0.0.1:8000", CANONICAL_ORIGIN)
    job = PageJob("listing", LISTING, "text/html", "http://127.0.0.1:8000/news/", SECTIONS[0])
    started = time.perf_counter()
    pool = WorkerPool(WORKERS, site, ZoneInfo("Europe/Moscow"))

    async def first_pages() -> None:
        await asyncio.gather(*(pool.parse(job) for _ in range(2 * WORKERS)))

    asyncio.run(first_pages())
    took = time.perf_counter() - started
    pool.close()
    return took


def both_ready(db_url: str) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(1) as thread:
        pool = thread.submit(pool_ready)
        writer_ready(db_url)
        pool.result()
    return time.perf_counter() - started


def reparse_ready() -> float:
    from scraper.reparse import parsing_pool

    started = time.perf_counter()
    pool = parsing_pool(WORKERS)
    for answer in [pool.submit(os.getpid) for _ in range(4 * WORKERS)]:
        answer.result()
    took = time.perf_counter() - started
    pool.shutdown()
    return took


def measure(scenario: str, db_url: str) -> float:
    """One start, in this process (which has imported what a crawl's process has)."""
    import scrapy  # noqa: F401
    import twisted.internet.defer  # noqa: F401

    import scraper.reparse
    import scraper.runtime.parse_pool
    import scraper.runtime.writer_process  # noqa: F401

    if scenario == "writer":
        return writer_ready(db_url)
    if scenario == "pool":
        return pool_ready()
    if scenario == "crawl":
        return both_ready(db_url)
    return reparse_ready()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", nargs=2, metavar=("SCENARIO", "DB_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(measure(*args.one))
        return
    from archive.db import open_archive

    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{folder}/archive.sqlite3"
        open_archive(db_url).kw["bind"].dispose()
        for scenario in SCENARIOS:
            times = [
                float(
                    subprocess.run(
                        [sys.executable, __file__, "--one", scenario, db_url],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                )
                for _ in range(args.runs)
            ]
            print(
                f"{scenario:8} median {statistics.median(times):.2f} s, "
                f"best {min(times):.2f} s ({args.runs} runs)"
            )


if __name__ == "__main__":
    main()

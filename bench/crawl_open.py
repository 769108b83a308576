"""Opening a crawl on a large archive: the plan's time, and the crawl's peak memory.

    python bench/crawl_open.py [--articles 100000] [--runs 1000]

Builds a SQLite archive of --articles synthetic articles (each with an article fetch) and
--runs completed crawl runs, then times `crawl_plan` (target: under 1 s) and runs a real
`citynews crawl` of the fixture site on that archive, reporting its peak RSS (VmHWM; target:
under 300 MB).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import open_archive, session_scope  # noqa: E402
from archive.models import Article, CrawlRun, Fetch  # noqa: E402
from archive.plan import crawl_plan  # noqa: E402
from bench.synthetic import article_row, insert_in_batches  # noqa: E402
from scraper.sections import SECTIONS  # noqa: E402
from tests.conftest import SiteServer  # noqa: E402

BODY = "Администрация города Смоленска сообщает о плановых работах. " * 20
SECTION_KEYS = [section.key for section in SECTIONS]


def build_archive(db_url: str, articles: int, runs: int) -> None:
    """Bulk-insert articles (with one fetch each) and completed runs."""
    sessions = open_archive(db_url)
    start = datetime.now(UTC) - timedelta(hours=articles + runs + 24)
    rows = [
        article_row(n, "novosti", f"Новость {n}", BODY, start + timedelta(hours=n), n)
        for n in range(articles)
    ]
    with session_scope(sessions) as session:
        insert_in_batches(session, Article, rows)
        insert_in_batches(
            session,
            Fetch,
            (
                dict(
                    url=row["url"],
                    requested_url=row["url"],
                    kind="article",
                    status=200,
                    ok=True,
                    fetched_at=row["first_seen_at"],
                )
                for row in rows
            ),
        )
        moment = start + timedelta(hours=articles)  # runs after the last article, before now
        session.execute(
            insert(CrawlRun),
            [
                dict(
                    started_at=moment + timedelta(hours=n),
                    finished_at=moment + timedelta(hours=n, minutes=1),
                    mode="incremental",
                    outcome="completed",
                    site_url="https://www.smoladmin.ru",
                    sections=SECTION_KEYS,
                    sections_walked=SECTION_KEYS if n == 0 else [],
                    coverage={"fetched": 0},
                )
                for n in range(runs)
            ],
        )
    sessions.kw["bind"].dispose()


def time_plan(db_url: str) -> tuple[float, float, int]:
    """Best wall-clock and CPU seconds of crawl_plan over 3 runs, and the URLs it knows."""
    sessions = open_archive(db_url)
    wall, cpu, known = float("inf"), float("inf"), 0
    for _ in range(3):
        with session_scope(sessions) as session:
            started, cpu_started = time.perf_counter(), time.process_time()
            plan = crawl_plan(session, SECTION_KEYS, datetime.now(UTC), 14)
            wall = min(wall, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - cpu_started)
            known = len(plan.known)
    sessions.kw["bind"].dispose()
    return wall, cpu, known


def crawl_peak_rss(db_url: str, workdir: str) -> tuple[int, int]:
    """Peak RSS (KiB) and exit status of a real crawl of the fixture site on the archive."""
    site = SiteServer()
    code = (
        "import sys; from citynews.cli import main; "
        f"status = main(['crawl', '--site-url', '{site.url}', '--db', '{db_url}', '--quiet']); "
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))); "
        "print(status)"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=workdir,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        site.stop()
    peak, status = result.stdout.strip().splitlines()[-2:]
    return int(peak), int(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{folder}/archive.sqlite3"
        started = time.perf_counter()
        build_archive(db_url, args.articles, args.runs)
        print(
            f"archive of {args.articles:,} articles and {args.runs:,} completed runs built in "
            f"{time.perf_counter() - started:.0f} s"
        )
        wall, cpu, known = time_plan(db_url)
        print(
            f"crawl_plan: {wall * 1e3:.0f} ms wall clock, {cpu * 1e3:.0f} ms CPU "
            f"(best of 3; {known:,} known URLs)"
        )
        peak, status = crawl_peak_rss(db_url, folder)
        print(
            f"crawl of the fixture site on that archive: exit {status}, "
            f"peak RSS {peak / 1024:.0f} MiB"
        )


if __name__ == "__main__":
    main()

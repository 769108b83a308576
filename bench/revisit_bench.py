"""What the rolling revisit and the digest cost on a large archive, against crawl_plan.

    python bench/revisit_bench.py [--articles 100000] [--readings 5] [--runs 5]

Builds a SQLite archive of synthetic articles published over ten years, each with a few view
readings (the last ones spread over the last 30 days, as after a month of daily revisits), then
times, median of --runs: `crawl_plan` (what every crawl already reads at its start, the
baseline), `articles_to_revisit` (what the revisit adds to it), `revisit_coverage` (the status
lines), and the digest of the last 30 days (queries and charts, as `citynews report` writes it).
"""

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from archive.db import open_archive, session_scope  # noqa: E402
from archive.models import Article, ViewObservation  # noqa: E402
from archive.plan import crawl_plan  # noqa: E402
from archive.revisit import articles_to_revisit, revisit_coverage  # noqa: E402
from bench.synthetic import article_row, insert_in_batches, median_seconds  # noqa: E402
from citynews.digest import write_digest  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 26, tzinfo=UTC)
DAY = timedelta(days=1)
SECTIONS = ["novosti", "novosti-tos"]


def build(db_url: str, articles: int, readings: int) -> None:
    """Insert the synthetic archive in bulk."""
    rng = random.Random(7)
    sessions = open_archive(db_url)

    def articles_rows() -> Iterator[dict[str, Any]]:
        for number in range(articles):
            published = NOW - timedelta(minutes=rng.randrange(10 * 365 * 24 * 60))
            row = article_row(
                number, rng.choice(SECTIONS), f"Новость {number}", "Текст.", published, 0
            )
            row["last_fetched_at"] = NOW - timedelta(minutes=rng.randrange(30 * 24 * 60))
            yield row

    def readings_rows(session: Session) -> Iterator[dict[str, Any]]:
        ids = session.execute(select(Article.id, Article.published_at, Article.last_fetched_at))
        for article_id, published, last_fetched in ids.all():
            step = (last_fetched - published) / readings
            views = rng.randrange(50, 500)
            for n in range(1, readings + 1):
                views += rng.randrange(0, 200)
                yield dict(article_id=article_id, observed_at=published + n * step, views=views)

    with session_scope(sessions) as session:
        insert_in_batches(session, Article, articles_rows())
        insert_in_batches(session, ViewObservation, readings_rows(session))
    sessions.kw["bind"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--readings", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{folder}/archive.sqlite3"
        started = time.perf_counter()
        build(db_url, args.articles, args.readings)
        print(
            f"archive: {args.articles} articles, {args.articles * args.readings} view readings, "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        sessions = open_archive(db_url, migrate=False)
        window_start = NOW - timedelta(days=14)
        since = datetime(2026, 10, 27, tzinfo=MSK)
        until = datetime(2026, 11, 26, tzinfo=MSK)
        out = Path(folder) / "report.html"

        def timed(name: str, action: Callable) -> float:  # type: ignore[type-arg]
            with session_scope(sessions) as session:
                seconds = median_seconds(args.runs, lambda: action(session))
            print(f"{name:<44} {seconds * 1000:9.1f} ms")
            return seconds

        baseline = timed(
            "crawl_plan (baseline, every crawl)", lambda s: crawl_plan(s, SECTIONS, NOW, 14)
        )
        revisit = timed(
            "articles_to_revisit (D=30)",
            lambda s: articles_to_revisit(s, SECTIONS, window_start, 30),
        )
        coverage = timed("revisit_coverage (status)", lambda s: revisit_coverage(s, NOW, 30))
        digest = timed(
            "report of 30 days (queries, charts, HTML)",
            lambda s: write_digest(s, since, until, out, MSK),
        )
        with session_scope(sessions) as session:
            daily = len(articles_to_revisit(session, SECTIONS, window_start, 30, DAY))
            hourly = len(articles_to_revisit(session, SECTIONS, window_start, 30, DAY / 24))
        print(
            f"revisit (D=30): daily runs {daily} articles a run, {daily} a day; hourly runs "
            f"{hourly} a run, {24 * hourly} a day; report: {out.stat().st_size} bytes"
        )
        print(
            f"ratios to crawl_plan: revisit {revisit / baseline:.2f}, "
            f"coverage {coverage / baseline:.2f}, report {digest / baseline:.2f}"
        )
        sessions.kw["bind"].dispose()


if __name__ == "__main__":
    main()

"""What field coverage by year and section costs on a large archive, against plain counts.

    python bench/coverage_bench.py [--articles 100000] [--body-chars 1500] [--runs 5]

Builds a SQLite archive of synthetic articles over ten years and seven sections (one era
without view counts, one without times, a few empty bodies, some update times), then times,
median of --runs: `coverage` as `status` runs it, the end-of-run check's `coverage` with the
articles fetched since a moment, and in sqlite3 itself (the Python module, no SQLAlchemy)
`SELECT section, count(*) FROM articles GROUP BY section` (answered from the section index)
and the same count over rows whose body is not empty (which reads every row, as coverage must).
"""

import argparse
import random
import sqlite3
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

from archive.coverage import coverage  # noqa: E402
from archive.db import open_archive, session_scope  # noqa: E402
from archive.models import Article  # noqa: E402
from bench.synthetic import article_row, insert_in_batches, median_seconds  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 26, tzinfo=UTC)
SECTIONS = {
    "novosti": 70,
    "novosti-tos": 10,
    "dvizhenie-transporta": 8,
    "meropriyatiya": 5,
    "vodo-i-teplosnabzhenie": 4,
    "programma-gorod-i-my": 2,
    "publichnye-slushaniya": 1,
}
WORDS = [
    "город", "администрация", "ремонт", "двор", "улица", "жители",
    "работы", "проект", "район", "школа", "парк",
]  # fmt: skip


def build(db_url: str, articles: int, body_chars: int) -> None:
    """Insert the synthetic archive in bulk."""
    rng = random.Random(7)
    sections, weights = list(SECTIONS), list(SECTIONS.values())

    def rows() -> Iterator[dict[str, Any]]:
        for number in range(articles):
            published = NOW - timedelta(minutes=rng.randrange(10 * 365 * 24 * 60))
            words = " ".join(rng.choice(WORDS) for _ in range(body_chars // 7))
            body = "" if rng.random() < 0.01 else words[:body_chars]
            section = rng.choices(sections, weights)[0]
            row = article_row(number, section, f"Новость {number}", body, published, 100)
            has_meta = section in ("novosti", "novosti-tos")
            row["views"] = None if not has_meta or published.year == 2017 else number % 900
            if not has_meta or published.year == 2019:
                row["published_precision"] = "date"
            if rng.random() < 0.05:
                row["updated_at"] = published + timedelta(hours=3)
            row["last_fetched_at"] = NOW - timedelta(minutes=rng.randrange(30 * 24 * 60))
            yield row

    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        insert_in_batches(session, Article, rows())
    sessions.kw["bind"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--body-chars", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.sqlite3"
        db_url = f"sqlite:///{path}"
        started = time.perf_counter()
        build(db_url, args.articles, args.body_chars)
        size = path.stat().st_size / 2**20
        print(
            f"archive: {args.articles} articles ({args.body_chars}-character bodies, "
            f"{size:.0f} MiB), built in {time.perf_counter() - started:.1f} s"
        )
        sessions = open_archive(db_url, migrate=False)
        run_start = NOW - timedelta(days=1)

        def timed(name: str, action: Callable[[], object]) -> float:
            seconds = median_seconds(args.runs, action)
            print(f"{name:<58} {seconds * 1000:9.1f} ms")
            return seconds

        with session_scope(sessions) as session:
            status = timed("coverage (status)", lambda: coverage(session, MSK))
            check = timed(
                "coverage with fetched_since (end-of-run check)",
                lambda: coverage(session, MSK, run_start).fetched_gaps(),
            )
            found = coverage(session, MSK)
        connection = sqlite3.connect(path)
        plain = timed(
            "sqlite3: SELECT section, count(*) ... GROUP BY section",
            lambda: connection.execute(
                "SELECT section, count(*) FROM articles GROUP BY section"
            ).fetchall(),
        )
        reading = timed(
            "sqlite3: the same, WHERE body_text != '' (reads every row)",
            lambda: connection.execute(
                "SELECT section, count(*) FROM articles WHERE body_text != '' GROUP BY section"
            ).fetchall(),
        )
        connection.close()
        sessions.kw["bind"].dispose()
        low = sum(1 for g in found.groups for name in g.present if found.is_low(g, name))
        print(f"{len(found.cells)} coverage rows, {len(found.groups)} groups, {low} low cells")
        print(
            f"ratios: status {status / plain:.1f}x the plain count, "
            f"{status / reading:.2f}x the count that reads every row; "
            f"end-of-run check {check / plain:.1f}x, {check / reading:.2f}x"
        )


if __name__ == "__main__":
    main()

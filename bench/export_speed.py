"""CSV export against the database's own speed: `citynews export` vs `sqlite3 -csv`.

    python bench/export_speed.py [--articles 100000] [--runs 3]

Builds a SQLite archive of synthetic articles (every tenth with images and attachments),
then times `citynews export --format csv` and the sqlite3 shell writing the same columns in
the same order, best of --runs each, as wall clock and as the child process's CPU time
(user + system; the steadier figure on a shared machine). Target: at most 3x sqlite3.
"""

import argparse
import os
import resource
import shutil
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
from archive.models import Article  # noqa: E402
from bench.synthetic import article_row  # noqa: E402
from exports.records import FIELDS  # noqa: E402

BODY = "Администрация города Смоленска сообщает о плановых работах. " * 20
ORDER = "published_at IS NULL, published_at, id"


def build_archive(db_url: str, count: int) -> None:
    sessions = open_archive(db_url)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    with session_scope(sessions) as session:
        for first in range(0, count, 5000):
            rows = []
            for n in range(first, min(first + 5000, count)):
                row = article_row(
                    n, "novosti", f"Новость {n}", BODY, start + timedelta(hours=n), n % 3000
                )
                if n % 10 == 0:
                    row["images"] = [f"https://www.smoladmin.ru/upload/{n}.jpg"]
                    row["attachments"] = [
                        {
                            "url": f"https://www.smoladmin.ru/upload/{n}.pdf",
                            "title": "Постановление",
                        }
                    ]
                rows.append(row)
            session.execute(insert(Article), rows)
    sessions.kw["bind"].dispose()


def timed(command: list[str], out: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a child process writing to out."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with out.open("wb") as stream:
        subprocess.run(
            command,
            stdout=stream,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(command: list[str], out: Path, runs: int) -> tuple[float, float]:
    results = [timed(command, out) for _ in range(runs)]
    return min(wall for wall, _ in results), min(cpu for _, cpu in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("sqlite3"):
        sys.exit("bench/export_speed.py needs the sqlite3 shell (apt-get install sqlite3)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.sqlite3"
        build_archive(f"sqlite:///{path}", args.articles)
        citynews = [sys.executable, "-m", "citynews", "export", "--format", "csv", "--out", "-"]
        ours = best([*citynews, "--db", f"sqlite:///{path}"], Path(folder) / "ours.csv", args.runs)
        query = f"SELECT {', '.join(FIELDS)} FROM articles ORDER BY {ORDER}"
        theirs = best(
            ["sqlite3", "-csv", str(path), query], Path(folder) / "sqlite3.csv", args.runs
        )
        sizes = [(Path(folder) / name).stat().st_size / 1e6 for name in ("ours.csv", "sqlite3.csv")]
    print(f"{args.articles:,} articles to CSV, best of {args.runs}:")
    print(f"  citynews export  {ours[0]:6.2f} s wall  {ours[1]:6.2f} s CPU  ({sizes[0]:.0f} MB)")
    print(
        f"  sqlite3 -csv     {theirs[0]:6.2f} s wall  {theirs[1]:6.2f} s CPU  ({sizes[1]:.0f} MB)"
    )
    print(f"  ratio            {ours[0] / theirs[0]:6.2f} x wall  {ours[1] / theirs[1]:6.2f} x CPU")


if __name__ == "__main__":
    main()

"""Peak memory of `citynews search` and `stats --top` at a large limit, beside `export`.

Every article holds the query word, so `search в --limit N` returns N articles: memory must stay
flat whatever N (the results are streamed), as it does for `export`.
Peak memory is the command process's own VmHWM (ru_maxrss would count the parent's at fork).

    python bench/search_memory.py [--articles 100000] [--archive FILE]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.db import open_archive, session_scope  # noqa: E402
from archive.models import Article  # noqa: E402
from archive.search.index import reindex  # noqa: E402
from bench.synthetic import article_row, insert_in_batches  # noqa: E402

BODY = "Администрация города Смоленска сообщает о плановых работах в Заднепровском районе. " * 8


def build_archive(path: Path, count: int) -> str:
    """An archive of `count` articles, all holding the word «в», indexed."""
    url = f"sqlite:///{path}"
    sessions = open_archive(url)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    rows = (
        article_row(
            number,
            "novosti",
            f"Новость номер {number} о работах в городе",
            BODY,
            start + timedelta(hours=number),
            number % 3000,
        )
        for number in range(count)
    )
    with session_scope(sessions) as session:
        insert_in_batches(session, Article, rows)
        reindex(session)
    sessions.kw["bind"].dispose()
    return url


def peak_rss(arguments: list[str]) -> int:
    """The peak RSS in KiB of `citynews ARGUMENTS`, run in a process of its own."""
    code = (
        "import contextlib, os, sys\n"
        "from citynews.cli import main\n"
        "with open(os.devnull, 'w') as sink, contextlib.redirect_stdout(sink):\n"
        f"    status = main({arguments!r})\n"
        "assert status == 0, status\n"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return int(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--archive", type=Path, help="reuse (or build once) this archive file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.archive or Path(folder) / "archive.sqlite3"
        db_url = f"sqlite:///{path}"
        if not path.exists():
            build_archive(path, args.articles)
        n = str(args.articles)
        commands = {
            f"search в --limit {n} --format json": [
                "search",
                "в",
                "--limit",
                n,
                "--format",
                "json",
            ],
            "search в --limit 20": ["search", "в"],
            f"stats --top {n}": ["stats", "--top", n],
            "export --format json": ["export", "--format", "json", "--out", "-"],
        }
        for label, arguments in commands.items():
            peak = peak_rss([*arguments, "--db", db_url])
            print(f"{args.articles:>7} articles  {label:<40} peak RSS {peak / 1024:7.1f} MiB")


if __name__ == "__main__":
    main()

"""Peak memory of `citynews export` as the archive grows: it must stay flat (streaming).

Peak memory is the export process's own VmHWM (ru_maxrss would count the parent's at fork).

    python bench/export_memory.py [--sizes 2000 20000]
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
from bench.synthetic import article_row  # noqa: E402

BODY = "Администрация города Смоленска сообщает о плановых работах. " * 40


def build_archive(path: Path, count: int) -> str:
    url = f"sqlite:///{path}"
    sessions = open_archive(url)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    with session_scope(sessions) as session:
        for number in range(count):
            moment = start + timedelta(hours=number)
            row = article_row(
                number, "novosti", f"Новость номер {number}", BODY, moment, number % 3000
            )
            session.add(Article(**row))
    sessions.kw["bind"].dispose()
    return url


def peak_rss_of_export(db_url: str, fmt: str, out: Path) -> int:
    code = (
        "from citynews.cli import main; "
        f"main(['export', '--format', '{fmt}', '--out', '{out}', '--db', '{db_url}']); "
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            db_url = build_archive(Path(folder) / f"a{size}.sqlite3", size)
            for fmt in ("csv", "json", "jsonl"):
                out = Path(folder) / f"out{size}.{fmt}"
                peak = peak_rss_of_export(db_url, fmt, out)
                print(
                    f"{size:>7} articles  {fmt:<5} peak RSS {peak / 1024:7.1f} MiB  "
                    f"file {out.stat().st_size / 1e6:7.1f} MB"
                )


if __name__ == "__main__":
    main()

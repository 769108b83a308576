"""What a scheduled run costs, and what history costs to keep.

    python bench/cron_run.py [--copies 50]

1. Backfill the fixture site, then time an incremental run of the unchanged site (cron).
2. Raw-page storage: stored bytes per article (xz) against the served bytes.
3. Reparse speed: the archive's articles copied --copies times (with their stored pages)
   and re-parsed offline, in articles per second.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.models import Article, RawPage  # noqa: E402
from tests.conftest import SiteServer, run_citynews  # noqa: E402


def citynews(*args: str, cwd: str):  # type: ignore[no-untyped-def]
    result = run_citynews(*args, cwd=Path(cwd))
    result.check_returncode()
    return result


def copy_rows(connection, table, suffix: str) -> None:
    """Copy a table's original rows, appending suffix to their URLs."""
    columns = [column.name for column in table.columns if column.name != "id"]
    chosen = [f"{name} || :s" if name in ("url", "fetched_url") else name for name in columns]
    connection.execute(
        text(
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(chosen)}"
            f" FROM {table.name} WHERE url NOT LIKE '%-copy%'"
        ),
        {"s": suffix},
    )


def copy_articles(db_url: str, copies: int) -> None:
    """Duplicate every article and its stored page under new URLs."""
    engine = create_engine(db_url)
    with engine.begin() as connection:
        for copy in range(1, copies):
            for table in (Article.__table__, RawPage.__table__):
                copy_rows(connection, table, f"-copy{copy}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=50)
    args = parser.parse_args()
    site = SiteServer()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            db_url = f"sqlite:///{workdir}/archive.sqlite3"
            citynews("crawl", "--site-url", site.url, "--db", db_url, "--quiet", cwd=workdir)
            site.clear_requests()
            started = time.perf_counter()
            citynews("crawl", "--site-url", site.url, "--db", db_url, "--quiet", cwd=workdir)
            seconds = time.perf_counter() - started
            print(
                f"cron run on the unchanged fixture site: {len(site.requests())} requests, "
                f"{seconds:.2f} s (whole CLI process, refresh window 14 days: none due)"
            )
            engine = create_engine(db_url)
            with engine.connect() as connection:
                stored, served, pages, articles = connection.execute(
                    text(
                        "SELECT sum(length(body)), sum(size), count(*), count(DISTINCT url)"
                        " FROM raw_pages"
                    )
                ).one()
            engine.dispose()
            print(
                f"raw pages: {pages} pages of {articles} articles, {served / pages:,.0f} bytes "
                f"served and {stored / pages:,.0f} bytes stored per page "
                f"({stored / served:.1%})"
            )
            copy_articles(db_url, args.copies)
            result = citynews("reparse", "--db", db_url, cwd=workdir)
            print(result.stdout.strip())
    finally:
        site.stop()


if __name__ == "__main__":
    main()

"""Run the command line with SQLite archives that are full: `python -m tests.full_disk N ARGS`.

Every SQLite connection gets PRAGMA max_page_count = its current size + N pages, so writes
beyond that fail as on a full disk, with SQLite's own SQLITE_FULL ("database or disk is full").
This holds in the crawl's writer process too: multiprocessing imports this module there (as
`__mp_main__`, with the same arguments), and the import fills the disk up again.
"""

import sys

from sqlalchemy import Engine, event


def fill_up_disks(spare_pages: int) -> None:
    @event.listens_for(Engine, "connect")
    def fill_up(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            (pages,) = cursor.execute("PRAGMA page_count").fetchone()
            cursor.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
            cursor.close()


def main() -> int:
    fill_up_disks(int(sys.argv[1]))

    from citynews.cli import main as citynews

    return citynews(sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
if __name__ == "__mp_main__":
    fill_up_disks(int(sys.argv[1]))

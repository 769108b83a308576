"""Run the command line with SQLite archives that are full: `python -m tests.full_disk N ARGS`.

Every SQLite connection gets PRAGMA max_page_count = its current size + N pages, so writes
beyond that fail as on a full disk, with SQLite's own SQLITE_FULL ("database or disk is full").
"""

import sys

from sqlalchemy import Engine, event


def main() -> int:
    spare_pages = int(sys.argv[1])

    @event.listens_for(Engine, "connect")
    def fill_up(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            (pages,) = cursor.execute("PRAGMA page_count").fetchone()
            cursor.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
            cursor.close()

    from citynews.cli import main as citynews

    return citynews(sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())

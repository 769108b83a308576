"""A SQLite copy of an archive (from PostgreSQL, say): same schema, same search index."""

import os
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from archive.db import create_archive_engine, session_scope, upgrade
from archive.models import Base
from archive.search.index import reindex
from exports.writers import temporary_beside

BATCH = 1000


def copy_archive(source: Engine, out: Path) -> int:
    """Write the whole archive to a new SQLite file atomically; return the articles copied."""
    with temporary_beside(out) as (handle, temporary):
        os.close(handle)
        temporary.unlink()
        target = create_archive_engine(f"sqlite:///{temporary}")
        try:
            upgrade(target)
            with source.connect() as reading, target.begin() as writing:
                for table in Base.metadata.sorted_tables:
                    rows = reading.execute(select(table).execution_options(yield_per=BATCH))
                    for batch in rows.partitions(BATCH):
                        writing.execute(table.insert(), [row._asdict() for row in batch])
            with session_scope(sessionmaker(target)) as session:
                articles = reindex(session)
            with target.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=DELETE")
        finally:
            target.dispose()
        os.replace(temporary, out)
        return articles

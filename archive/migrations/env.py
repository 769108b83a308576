"""Alembic environment: runs against the connection the caller passes, or the configured URL.

Either way every migration and the version stamp run in one transaction, DDL included (see
archive.db.transactional_engine): a failed upgrade leaves the archive as it was.
"""

from alembic import context
from sqlalchemy import create_engine

from archive.db import transactional_engine
from archive.models import Base

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = transactional_engine(create_engine(config.get_main_option("sqlalchemy.url")))
        with engine.begin() as connection:
            _run(connection)
        engine.dispose()
        return
    _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

"""Alembic environment: runs on the connection the caller passes, or the configured URL.

Like the migrations, it imports nothing from the application, so an old revision runs the same
however the code changes. Autogenerate compares against the metadata the caller puts in
`config.attributes["target_metadata"]` (the models' `Base.metadata`); a TypeDecorator is
written into a migration as the plain SQLAlchemy type it stores (`sa.DateTime(...)` for
`UTCDateTime`), so generated migrations need no application import either.

Upgrades run on the connection `archive.db.upgrade` passes, inside its one transaction with
DDL included: a failed upgrade leaves the archive as it was.
"""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # autogenerate, reading the archive at the configured URL
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
        engine.dispose()
        return
    _run(connection)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render an application column type as the SQLAlchemy type it stores."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{obj.impl_instance!r}"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

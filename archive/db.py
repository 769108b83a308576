"""Where the archive lives: URLs, engines, sessions and schema upgrades."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"
FTS5_SHADOW_TABLES = ("data", "idx", "content", "docsize", "config")


class ArchiveError(Exception):
    """The archive cannot be opened or used; the message says why, in one line."""


def parse_db_url(url: str) -> URL:
    """Parse an archive URL or raise ArchiveError naming what is wrong."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ArchiveError(f"bad database URL {url!r}: expected e.g. sqlite:///path.db") from None
    try:
        parsed.get_dialect().import_dbapi()
    except Exception as error:
        raise ArchiveError(
            f"bad database URL {redact(parsed)}: its driver cannot be loaded ({error})"
        ) from None
    return parsed


def redact(url: str | URL) -> str:
    """The archive's location without user name or password."""
    parsed = make_url(url) if isinstance(url, str) else url
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        parsed = parsed.set(database=str(Path(database).expanduser().resolve()))
    return parsed._replace(username=None, password=None).render_as_string(hide_password=False)


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite archive URL; None for other databases, memory and URI filenames."""
    parsed = parse_db_url(url) if isinstance(url, str) else url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser()


def sqlite_uri_file(url: URL) -> Path | None:
    """The file a SQLite URI filename names (`sqlite:///file:a.db?mode=ro&uri=true`), else None."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or not database.startswith("file:"):
        return None
    name = database.removeprefix("file:").split("?", 1)[0].split("#", 1)[0]
    if name.startswith("//"):  # file://host/path: only this machine's files
        host, _, rest = name[2:].partition("/")
        if host not in ("", "localhost"):
            return None
        name = "/" + rest
    name = unquote(name)
    if not name or name == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(name).expanduser()


def is_sqlite_database(path: Path) -> bool:
    """Whether a file starts with SQLite's header (an existing database, whatever its name)."""
    try:
        with path.open("rb") as stream:
            return stream.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _enable_sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _enable_read_only_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_archive_engine(url: str) -> Engine:
    """An engine for the archive; SQLite files get their folder, WAL and foreign keys."""
    parsed = parse_db_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ArchiveError(f"cannot create the folder of {database}: {error}") from None
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def read_only_sqlite_engine(path: Path) -> Engine:
    """An engine that only reads a SQLite archive whose folder cannot be written.

    SQLite needs to create the WAL's shared-memory file beside the archive to read it; in a
    read-only folder without one, no process has the archive open, so it is opened immutable.
    """
    resolved = path.resolve()
    shared_memory = resolved.with_name(resolved.name + "-shm")
    flags = "mode=ro" if shared_memory.exists() else "mode=ro&immutable=1"
    engine = create_engine(
        f"sqlite:///file:{quote(str(resolved))}?{flags}&uri=true", connect_args={"timeout": 30}
    )
    event.listen(engine, "connect", _enable_read_only_pragmas)
    return engine


def error_reason(error: DatabaseError) -> str:
    """The first line of the database's own message for a failed statement or connection."""
    reason = str(error.orig) if error.orig is not None else str(error)
    return (reason.strip().splitlines() or ["unknown error"])[0]


def check_connection(engine: Engine) -> None:
    """Connect once, turning a refused or missing database into ArchiveError."""
    try:
        with engine.connect() as connection:
            if engine.url.get_backend_name() == "sqlite":
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except DatabaseError as error:
        raise ArchiveError(
            f"cannot open the archive {redact(engine.url)}: {error_reason(error)}"
        ) from None


def alembic_config(engine: Engine | None = None) -> "Config":
    """An Alembic configuration pointing at the archive's migrations (and the archive)."""
    from alembic.config import Config  # Alembic is imported only where a schema changes

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


@cache
def head_revision() -> str:
    """The schema revision this version of citynews writes: the newest migration's. Each
    migration file is named after its revision (`0011_document_search.py` is revision 0011)
    and revises the one before it, which tests/test_migrations.py checks against Alembic."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("*_*.py"))


def transactional_engine(engine: Engine) -> Engine:
    """An engine whose transactions include DDL, so a failed upgrade leaves nothing behind.

    pysqlite commits or runs outside any transaction whatever precedes its first INSERT or
    UPDATE, CREATE TABLE included; the driver's own transaction handling is switched off and
    every transaction starts with BEGIN IMMEDIATE instead (SQLAlchemy's documented recipe).
    Other databases (PostgreSQL) have transactional DDL already.
    """
    if engine.url.get_backend_name() != "sqlite":
        return engine
    migrating = create_engine(engine.url, connect_args={"timeout": 30}, poolclass=NullPool)
    event.listen(migrating, "connect", _enable_sqlite_pragmas)

    @event.listens_for(migrating, "connect")
    def _driver_autocommit(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(migrating, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the archive's schema, all or nothing; return (before, after) revisions.

    Every migration runs in one transaction with the version stamp, on SQLite as on
    PostgreSQL: an upgrade that fails half way (a full disk, a killed process) leaves the
    archive as it was. An archive left with tables but no revision by an older citynews is
    rebuilt when its tables hold no rows, and refused in one line when they do.
    """
    check_connection(engine)
    migrating = engine if engine.url.database == ":memory:" else transactional_engine(engine)
    try:
        with migrating.begin() as connection:
            before = _revision(connection)
            if before is None:
                _drop_empty_half_schema(connection, redact(engine.url))
            if before != head_revision() or revision != "head":
                from alembic import command

                config = alembic_config(engine)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
            if revision == "head":
                from archive.search.index import rebuild_stale_index

                rebuild_stale_index(connection)
            after = _revision(connection)
    except DatabaseError as error:
        raise ArchiveError(
            f"cannot upgrade the archive {redact(engine.url)}: {error_reason(error)} "
            "(nothing was changed)"
        ) from None
    finally:
        if migrating is not engine:
            migrating.dispose()
    return before, after


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _drop_empty_half_schema(connection: Connection, where: str) -> None:
    """Remove the empty tables an interrupted schema creation left; refuse if any holds rows."""
    tables = [name for name in inspect(connection).get_table_names() if name != "alembic_version"]
    if not tables:
        return
    if connection.dialect.name == "sqlite":
        shadow = {f"{name}_{part}" for name in tables for part in FTS5_SHADOW_TABLES}
        tables = [name for name in tables if name not in shadow]
    quoted = [connection.dialect.identifier_preparer.quote(name) for name in tables]
    if any(connection.exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first() for name in quoted):
        raise ArchiveError(
            f"the archive {where} holds tables but no schema revision (not created by citynews, "
            "or its creation was interrupted by an older version): restore it from a backup"
        )
    cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
    for name in quoted:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}{cascade}")


def check_archive_exists(engine: Engine) -> None:
    """Raise ArchiveError in one line if the database holds no archive (no table at all)."""
    try:
        with engine.connect() as connection:
            has_tables = bool(inspect(connection).get_table_names())
    except DatabaseError as error:
        where = redact(engine.url)
        raise ArchiveError(f"cannot read the archive {where}: {error_reason(error)}") from None
    if not has_tables:
        raise ArchiveError(
            f"no archive at {redact(engine.url)} (an empty database): run a crawl first"
        )


def check_schema(engine: Engine, where: str | None = None) -> None:
    """Raise ArchiveError in one line unless the archive's schema is complete and current.

    where: how the line names the archive (default: the engine's URL)."""
    where = where or redact(engine.url)
    try:
        with engine.connect() as connection:
            revision = _revision(connection)
            has_tables = bool(inspect(connection).get_table_names())
    except DatabaseError as error:
        raise ArchiveError(f"cannot read the archive {where}: {error_reason(error)}") from None
    if revision is None and not has_tables:
        raise ArchiveError(f"no archive at {where} (an empty database): run a crawl first")
    if revision is None:
        raise ArchiveError(
            f"the archive {where} has tables but no schema revision (an interrupted creation): "
            "run citynews db upgrade"
        )
    if revision != head_revision():
        raise ArchiveError(
            f"the archive {where} is at schema revision {revision}: run citynews db upgrade"
        )


def check_sqlite_file(path: Path, url: URL) -> None:
    """Raise ArchiveError unless path is an existing SQLite database file."""
    if not path.exists():
        raise ArchiveError(f"no archive at {redact(url)}: run a crawl first, or give --db")
    if not path.is_file() or not is_sqlite_database(path):
        raise ArchiveError(f"{path} is not a SQLite database, so not a citynews archive")


def open_existing_archive(url: str) -> sessionmaker[Session]:
    """Open an archive to read it: creates no file, folder or table, and says what is wrong.

    A missing file, a file that is not SQLite, an empty database or an incomplete schema is
    an ArchiveError; an archive in a folder that cannot be written is opened read-only.
    """
    parsed = parse_db_url(url)
    path = sqlite_file(parsed)
    if path is not None:
        check_sqlite_file(path, parsed)
        if not os.access(path.resolve().parent, os.W_OK):
            engine = read_only_sqlite_engine(path)
        else:
            engine = create_archive_engine(url)
    else:
        engine = create_archive_engine(url)
    check_connection(engine)
    check_schema(engine)
    return sessionmaker(engine, expire_on_commit=False)


def open_archive(url: str, migrate: bool = True) -> sessionmaker[Session]:
    """Open (and by default upgrade) the archive; return a session factory."""
    engine = create_archive_engine(url)
    if migrate:
        upgrade(engine)
    else:
        check_connection(engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error: the caller owns it."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

"""Where the archive lives: URLs, engines, sessions and schema upgrades."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("data") / "citynews.sqlite3"
DB_ENV_VAR = "CITYNEWS_DB"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class ArchiveError(Exception):
    """The archive cannot be opened or used; the message says why, in one line."""


def resolve_db_url(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The archive URL: the one given, else $CITYNEWS_DB, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    return explicit or environ.get(DB_ENV_VAR) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def parse_db_url(url: str) -> URL:
    """Parse an archive URL or raise ArchiveError naming what is wrong."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ArchiveError(f"bad database URL {url!r}: expected e.g. sqlite:///path.db") from None
    try:
        parsed.get_dialect()
    except Exception as error:  # noqa: BLE001 - any failure to load a driver is a user error
        raise ArchiveError(f"bad database URL {redact(parsed)}: {error}") from None
    return parsed


def redact(url: str | URL) -> str:
    """The archive's location without user name or password."""
    parsed = make_url(url) if isinstance(url, str) else url
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        parsed = parsed.set(database=str(Path(database).expanduser().resolve()))
    return parsed._replace(username=None, password=None).render_as_string(hide_password=False)


def _enable_sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
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


def check_connection(engine: Engine) -> None:
    """Connect once, turning a refused or missing database into ArchiveError."""
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise ArchiveError(f"cannot open the archive {redact(engine.url)}: {reason}") from None


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the archive's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the archive's schema to the given revision."""
    check_connection(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if revision == "head":
            from archive.search import rebuild_stale_index

            rebuild_stale_index(connection)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the archive is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


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

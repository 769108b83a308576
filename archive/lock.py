"""One crawl at a time per archive: a lock that a killed process cannot leave behind.

SQLite archives use flock() on a file beside the database; PostgreSQL archives use a
session-level advisory lock. Both are released by the operating system or the server when the
holding process dies, so a stale lock never blocks the next run.
"""

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from archive.db import ArchiveError, redact

ADVISORY_LOCK_KEY = 0x63697479  # "city"


class ArchiveBusy(ArchiveError):
    """Another crawl holds the archive."""


def lock_path(engine: Engine) -> Path:
    """The lock file of an archive: beside a SQLite file, else in the temporary folder."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return (
            Path(url.database).expanduser().resolve().with_name(Path(url.database).name + ".lock")
        )
    digest = hashlib.sha256(redact(url).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"citynews-{digest}.lock"


@contextmanager
def crawl_lock(engine: Engine) -> Iterator[None]:
    """Hold the archive's crawl lock, or raise ArchiveBusy at once."""
    if engine.url.get_backend_name() == "postgresql":
        with _advisory_lock(engine):
            yield
    else:
        with _file_lock(lock_path(engine)):
            yield


def _holder() -> str:
    return json.dumps(
        {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
    )


def _busy_message(holder: str) -> str:
    try:
        info = json.loads(holder)
        return (
            f"another crawl is running on this archive (pid {info['pid']}, since {info['since']})"
        )
    except (ValueError, KeyError, TypeError):
        return "another crawl is running on this archive"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveBusy(_busy_message(os.pread(descriptor, 4096, 0).decode())) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, _holder().encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as connection:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar()
        connection.commit()
        if not got:
            holder = connection.execute(
                text(
                    "SELECT pid, backend_start FROM pg_locks JOIN pg_stat_activity USING (pid) "
                    "WHERE locktype = 'advisory' AND objid = :key LIMIT 1"
                ),
                {"key": ADVISORY_LOCK_KEY},
            ).first()
            since = f" since {holder.backend_start:%Y-%m-%dT%H:%M:%S%z}" if holder else ""
            raise ArchiveBusy(f"another crawl is running on this archive{since}")
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()


def crawl_lock_holder(engine: Engine) -> str | None:
    """Who holds the archive's crawl lock, or None when it is free; creates no lock file."""
    if engine.url.get_backend_name() == "postgresql":
        try:
            with _advisory_lock(engine):
                return None
        except ArchiveBusy as error:
            return str(error)
    try:
        descriptor = os.open(lock_path(engine), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _busy_message(os.pread(descriptor, 4096, 0).decode())
    finally:
        os.close(descriptor)
    return None

"""One command at a time writes an archive: a lock that names a live holder or is free.

Crawls and every other command that writes (reparse, db reindex, db upgrade) hold it. SQLite
archives use a POSIX record lock (fcntl) on a file beside the database; PostgreSQL archives a
session-level advisory lock. A record lock belongs to the process that took it: no child
process inherits it, and the system releases it when that process ends, however it ends, so
the pid the lock file names is alive while the lock is held. The advisory lock ends with its
database session, which no other process shares.
"""

import errno
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from archive.db import ArchiveError, redact

ADVISORY_LOCK_KEY = 0x63697479  # "city"
APPLICATION_PREFIX = "citynews "

# Record locks do not exclude each other within one process, and closing any descriptor of a
# locked file releases the process's lock on it: the lock files this process holds are listed
# here (by device and inode, with their holder line) and never opened a second time.
_held: dict[tuple[int, int], str] = {}
_held_guard = threading.Lock()
# The sockets of the database sessions holding advisory locks: a forked child must not keep
# one open (the session, and its lock, would outlive this process).
_lock_sockets: set[int] = set()


def _forget_locks_in_child() -> None:
    """In a forked child: it holds none of this process's locks."""
    _held.clear()
    for socket in _lock_sockets:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, socket)  # the child's copy now leads nowhere; the parent's stays
        os.close(devnull)
    _lock_sockets.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class ArchiveBusy(ArchiveError):
    """Another command holds the archive."""


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
def crawl_lock(engine: Engine, command: str = "crawl") -> Iterator[None]:
    """Hold the archive's lock for `command` (named to whoever finds the archive busy), or
    raise ArchiveBusy at once."""
    if engine.url.get_backend_name() == "postgresql":
        with _advisory_lock(engine, command):
            yield
    else:
        with _file_lock(lock_path(engine), command):
            yield


def _holder(command: str) -> str:
    return json.dumps(
        {
            "pid": os.getpid(),
            "since": _now(),
            "command": command,
        }
    )


def _now() -> str:
    return f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _busy_message(holder: str) -> str:
    try:
        info = json.loads(holder)
        what = info.get("command", "crawl")
        return (
            f"another {what} is running on this archive (pid {info['pid']}, since "
            f"{info['since']}): try again when it has ended"
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return "another crawl is running on this archive: try again when it has ended"


def _is_busy(error: OSError) -> bool:
    return error.errno in (errno.EACCES, errno.EAGAIN)


@contextmanager
def _file_lock(path: Path, command: str) -> Iterator[None]:
    with _held_guard:
        held_here = _held.get(_path_key(path) or (-1, -1))
        if held_here is not None:
            raise ArchiveBusy(_busy_message(held_here))
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.pread(descriptor, 4096, 0).decode(errors="replace")
            os.close(descriptor)
            if not _is_busy(error):
                raise
            raise ArchiveBusy(_busy_message(holder)) from None
        key = _file_key(descriptor)
        _held[key] = _holder(command)
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, _held[key].encode(), 0)
        yield
    finally:
        with _held_guard:
            try:
                os.ftruncate(descriptor, 0)
            finally:
                os.close(descriptor)  # releases the lock
                del _held[key]


def _path_key(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _file_key(descriptor: int) -> tuple[int, int]:
    status = os.fstat(descriptor)
    return status.st_dev, status.st_ino


@contextmanager
def _advisory_lock(engine: Engine, command: str) -> Iterator[None]:
    with engine.connect() as connection:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar()
        connection.commit()
        if not got:
            raise ArchiveBusy(_advisory_busy_message(connection))
        socket = connection.connection.dbapi_connection.fileno()  # type: ignore[union-attr]
        _lock_sockets.add(socket)
        try:
            # who holds it, for the line a busy command prints (the lock connection's own name)
            connection.execute(
                text("SELECT set_config('application_name', :name, false)"),
                {"name": f"{APPLICATION_PREFIX}{os.getpid()} {_now()} {command}"},
            )
            connection.commit()
            yield
        finally:
            _lock_sockets.discard(socket)
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.execute(text("SELECT set_config('application_name', '', false)"))
            connection.commit()


def _advisory_busy_message(connection) -> str:  # type: ignore[no-untyped-def]
    holder = connection.execute(
        text(
            "SELECT application_name, backend_start FROM pg_locks "
            "JOIN pg_stat_activity USING (pid) "
            "WHERE locktype = 'advisory' AND objid = :key AND granted LIMIT 1"
        ),
        {"key": ADVISORY_LOCK_KEY},
    ).first()
    if holder is None:
        return "another crawl is running on this archive: try again when it has ended"
    name = holder.application_name or ""
    if name.startswith(APPLICATION_PREFIX):
        pid, since, command = [*name.removeprefix(APPLICATION_PREFIX).split(" ", 2), "", ""][:3]
        return _busy_message(json.dumps({"pid": pid, "since": since, "command": command}))
    return (
        f"another crawl is running on this archive (since "
        f"{holder.backend_start:%Y-%m-%dT%H:%M:%S%z}): try again when it has ended"
    )


def crawl_lock_holder(engine: Engine) -> str | None:
    """Who holds the archive's lock, or None when it is free; creates no lock file."""
    if engine.url.get_backend_name() == "postgresql":
        try:
            with _advisory_lock(engine, "status"):
                return None
        except ArchiveBusy as error:
            return str(error)
    path = lock_path(engine)
    with _held_guard:
        held_here = _held.get(_path_key(path) or (-1, -1))
        if held_here is not None:
            return _busy_message(held_here)
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if not _is_busy(error):
                raise
            return _busy_message(os.pread(descriptor, 4096, 0).decode(errors="replace"))
        finally:
            os.close(descriptor)
    return None

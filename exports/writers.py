"""Streaming writers and the atomic file export with its manifest."""

import fcntl
import hashlib
import json
import os
import secrets
import signal
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from exports.records import FIELDS, HISTORY_FIELDS, LIST_FIELDS

FORMATS = ("csv", "json", "jsonl")
SQLITE_HEADER = b"SQLite format 3\x00"


class ExportError(Exception):
    """The export cannot be written; the message says why, in one line."""


class RecordWriter(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def field_names(history: bool) -> list[str]:
    """The export's fields, in order."""
    return [*FIELDS, *HISTORY_FIELDS] if history else list(FIELDS)


# A BOM lets spreadsheet programs recognise UTF-8 CSV and show Cyrillic intact.
CSV_ENCODING = "utf-8-sig"


def csv_cell(value: Any) -> str:
    """One CSV cell as the csv module writes it (RFC 4180, minimal quoting), only faster."""
    if value.__class__ is not str:
        return "" if value is None else str(value)
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def csv_line(values: Iterable[Any]) -> str:
    """One RFC 4180 row (CRLF at the end): every CSV citynews writes."""
    return ",".join([csv_cell(value) for value in values]) + "\r\n"


class CsvWriter:
    """RFC 4180 CSV (CRLF, quoted as needed); lists are JSON inside a cell."""

    ROWS_PER_WRITE = 500

    def __init__(self, stream: TextIO, history: bool = False) -> None:
        self.stream = stream
        self.fields = field_names(history)
        self.list_columns = [i for i, name in enumerate(self.fields) if name in LIST_FIELDS]
        stream.write(self.line(dict(zip(self.fields, self.fields, strict=True)), lists=False))

    def line(self, record: dict[str, Any], lists: bool = True) -> str:
        """The record's row: cells in field order, lists as JSON, CRLF at the end."""
        row = [record[name] for name in self.fields]
        if lists:
            for index in self.list_columns:
                row[index] = _json(row[index]) if row[index] else "[]"
        return csv_line(row)

    def write_all(self, records: Iterable[dict[str, Any]]) -> int:
        """Write every record, a few hundred rows per write; return how many."""
        count, lines = 0, []
        for record in records:
            lines.append(self.line(record))
            count += 1
            if len(lines) == self.ROWS_PER_WRITE:
                self.stream.write("".join(lines))
                lines.clear()
        self.stream.write("".join(lines))
        return count


class JsonWriter:
    """One JSON array, written record by record."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0
        stream.write("[")

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write(",\n" if self.count else "\n")
        self.stream.write(_json(record))
        self.count += 1

    def close(self) -> None:
        self.stream.write("\n]\n" if self.count else "]\n")


class JsonlWriter:
    """One JSON object a line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write(_json(record) + "\n")

    def close(self) -> None:
        pass


def write_records(
    records: Iterable[dict[str, Any]], fmt: str, stream: TextIO, history: bool = False
) -> int:
    """Write records to a text stream in a format; return how many were written."""
    if fmt == "csv":
        return CsvWriter(stream, history).write_all(records)
    writer: RecordWriter = JsonWriter(stream) if fmt == "json" else JsonlWriter(stream)
    count = 0
    for record in records:
        writer.write(record)
        count += 1
    writer.close()
    return count


@dataclass
class Manifest:
    file: str
    format: str
    records: int
    sha256: str
    bytes: int
    exported_at: str
    archive: str
    filters: dict[str, Any]
    fields: list[str] = field(default_factory=lambda: list(FIELDS))
    encoding: str = "utf-8"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(out: Path) -> Path:
    """Where the manifest of an export file goes."""
    return out.with_name(out.name + ".manifest.json")


def is_special_file(out: Path) -> bool:
    """Whether out is a device, pipe or socket, or a stream of a process reached through /proc
    (/dev/stdout, /dev/fd/N): written in place. Any other file, /dev/shm's included, is replaced
    whole through a temporary file."""
    try:
        mode = out.stat().st_mode
    except OSError:
        return False
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        return True
    return _reached_through_proc(out)


def _reached_through_proc(path: Path) -> bool:
    for _ in range(40):  # the kernel's own limit on a chain of links
        if os.path.realpath(path.parent).startswith("/proc/"):
            return True
        if not path.is_symlink():
            return False
        path = path.parent / os.readlink(path)
    return False


def check_export_target(
    out: Path, archive: Path | None, force: bool = False, option: str = "--out"
) -> None:
    """Refuse to write over the archive, or over any SQLite database unless forced; `option`
    names the option that gave `out` in the message."""
    if not out.exists() or is_special_file(out):
        return
    if archive is not None and archive.exists() and out.resolve() == archive.resolve():
        raise ExportError(f"{option} {out} is the archive itself: choose another file")
    if out.is_file() and _starts_with(out, SQLITE_HEADER) and not force:
        raise ExportError(
            f"{option} {out} is an existing SQLite database: give --force to replace it"
        )


def _starts_with(path: Path, header: bytes) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(len(header)) == header
    except OSError:
        return False


def _temporary_prefix(out: Path) -> str:
    return f".{out.name}."


def sweep_stale_temporaries(out: Path) -> None:
    """Delete the temporary files of exports to out whose process died (SIGKILL, power loss).

    A live export holds an flock on its temporary file, so only abandoned ones are removed.
    """
    for candidate in out.parent.glob(f"{_temporary_prefix(out)}*.part"):
        try:
            descriptor = os.open(candidate, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        finally:
            os.close(descriptor)
        remove_temporary(candidate)


def remove_temporary(temporary: Path) -> None:
    """A temporary file and what is written beside it (a manifest, SQLite's journal files)."""
    for suffix in (".manifest", "-wal", "-shm"):
        temporary.with_name(temporary.name + suffix).unlink(missing_ok=True)
    temporary.unlink(missing_ok=True)


INTERRUPTIONS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def temporary_beside(out: Path) -> Iterator[tuple[int, Path]]:
    """A new hidden file in out's folder (its descriptor and path), for the block to write and
    rename to out once complete; removed if the block raises, Ctrl-C and SIGTERM included.

    The file's name is chosen before it is created, so an interruption at any moment of its
    creation finds the name and removes the file; Ctrl-C and SIGTERM are also held back on this
    thread until the block owns it. It is locked while it is written (so the next export can
    tell it from an abandoned one) and created with the permissions of any new file.
    """
    unmasked = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTIONS)
    temporary: Path | None = None
    try:
        _prepare_folder(out)
        while temporary is None:
            temporary = out.with_name(f"{_temporary_prefix(out)}{secrets.token_hex(8)}.part")
            try:
                handle = _create_locked(temporary, out)
            except FileExistsError:
                temporary = None
        signal.pthread_sigmask(signal.SIG_SETMASK, unmasked)  # a waiting signal is raised here
        yield handle, temporary
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, unmasked)
        if temporary is not None:
            remove_temporary(temporary)
        raise


def _prepare_folder(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale_temporaries(out)
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None


def _create_locked(temporary: Path, out: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        handle = os.open(temporary, flags, 0o666)
    except FileExistsError:
        raise
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError as error:
        os.close(handle)
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None
    return handle


def export_file(
    records: Iterable[dict[str, Any]],
    fmt: str,
    out: Path,
    *,
    archive: str,
    filters: dict[str, Any],
    exported_at: datetime,
    history: bool = False,
) -> Manifest:
    """Write an export atomically: a killed export never leaves a partial file under out."""
    encoding = CSV_ENCODING if fmt == "csv" else "utf-8"
    with temporary_beside(out) as (handle, temporary):
        lock = os.dup(handle)  # holds the temporary file's lock until it is renamed
        try:
            with open(handle, "w", encoding=encoding, newline="") as stream:
                count = write_records(records, fmt, stream, history)
                stream.flush()
                os.fsync(stream.fileno())
            manifest = Manifest(
                file=out.name,
                format=fmt,
                records=count,
                sha256=sha256_of(temporary),
                bytes=temporary.stat().st_size,
                exported_at=exported_at.isoformat(timespec="seconds"),
                archive=archive,
                filters=filters,
                fields=field_names(history),
                encoding=encoding,
            )
            manifest_temporary = temporary.with_name(temporary.name + ".manifest")
            manifest_temporary.write_text(
                json.dumps(asdict(manifest), ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
            os.replace(temporary, out)
            os.replace(manifest_temporary, manifest_path(out))
            return manifest
        finally:
            os.close(lock)

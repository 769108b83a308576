"""`citynews serve`: Datasette as a child process that never outlives the command."""

import ipaddress
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from archive.db import check_schema, read_only_sqlite_engine
from archive.search import index_is_stale
from scraper.worker_process import die_with_parent

PLUGINS = Path(__file__).parent / "datasette" / "plugins"
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _stop_with_parent() -> None:
    """In the child: the kernel sends it SIGTERM when its parent dies, even by SIGKILL."""
    die_with_parent(signal.SIGTERM)


def run_until_signalled(command: list[str], cwd: Path | None = None) -> int:
    """Run the command until it exits; SIGTERM, SIGINT and SIGHUP are passed on to it.

    Whatever happens, the child is stopped (terminated, then killed) before this returns.
    """
    child = subprocess.Popen(command, cwd=cwd, preexec_fn=_stop_with_parent)

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return 128 - status if status < 0 else status


def servable_archive(path: Path, where: str) -> str | None:
    """Check, reading only, that this version can serve the archive at path (named `where`):
    ArchiveError if its schema is not the current one; a warning if its search index is
    stale, else None."""
    engine = read_only_sqlite_engine(path)
    try:
        check_schema(engine, where)
        with engine.connect() as connection:
            stale = index_is_stale(connection)
    finally:
        engine.dispose()
    if stale:
        return (
            "the search index was built by another version of citynews, so searches may miss "
            "articles: run citynews db upgrade"
        )
    return None


def public_address_warning(host: str, port: int) -> str | None:
    """A warning when host lets other machines reach the server, else None."""
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    return (
        f"serving on {host} port {port}: anyone who can reach this machine there can read "
        "the whole archive (use --host 127.0.0.1 to keep it local)"
    )


def serve_datasette(database: Path, host: str, port: int) -> int:
    """Serve a SQLite archive read-only in Datasette, with citynews' metadata and plugins.

    Datasette runs in the archive's folder and is given the file's bare name: its pages and
    their .json show no path of this machine."""
    from citynews.datasette.metadata import metadata

    database = database.expanduser().resolve()
    with tempfile.TemporaryDirectory() as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(database.stem), ensure_ascii=False))
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            database.name,
            "--metadata",
            str(metadata_file),
            "--plugins-dir",
            str(PLUGINS),
            "--host",
            host,
            "--port",
            str(port),
        ]
        return run_until_signalled(command, cwd=database.parent)

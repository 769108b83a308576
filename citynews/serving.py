"""`citynews serve`: Datasette as a child process that never outlives the command."""

import ipaddress
import json
import sys
import tempfile
from pathlib import Path

from archive.db import check_schema, read_only_sqlite_engine
from archive.search.index import index_is_stale
from scraper.runtime.processes import run_until_signalled

PLUGINS = Path(__file__).parent / "datasette" / "plugins"


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

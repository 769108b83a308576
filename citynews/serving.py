"""`citynews serve`: Datasette as a child process that never outlives the command."""

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from scraper.worker_process import die_with_parent

PLUGINS = Path(__file__).parent / "datasette" / "plugins"
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _stop_with_parent() -> None:
    """In the child: the kernel sends it SIGTERM when its parent dies, even by SIGKILL."""
    die_with_parent(signal.SIGTERM)


def run_until_signalled(command: list[str]) -> int:
    """Run the command until it exits; SIGTERM, SIGINT and SIGHUP are passed on to it.

    Whatever happens, the child is stopped (terminated, then killed) before this returns.
    """
    child = subprocess.Popen(command, preexec_fn=_stop_with_parent)

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


def serve_datasette(database: Path, host: str, port: int) -> int:
    """Serve a SQLite archive read-only in Datasette, with citynews' metadata and plugins."""
    from citynews.datasette.metadata import metadata

    with tempfile.TemporaryDirectory() as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(database.stem), ensure_ascii=False))
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(database),
            "--metadata",
            str(metadata_file),
            "--plugins-dir",
            str(PLUGINS),
            "--host",
            host,
            "--port",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "3000",
        ]
        return run_until_signalled(command)

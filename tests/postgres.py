"""A throw-away PostgreSQL server for the tests, started from the machine's own binaries."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SEARCH_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def find_binary(name: str) -> str | None:
    """initdb/pg_ctl from PATH or Debian's versioned folders."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SEARCH_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user() -> tuple[list[str], int | None, int | None]:
    """PostgreSQL refuses to run as root: run it as the 'postgres' user then."""
    if os.geteuid() != 0:
        return [], None, None
    user = pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"], user.pw_uid, user.pw_gid


@contextmanager
def postgres_server() -> Iterator[str]:
    """Run initdb and pg_ctl in a temporary folder on a loopback port; yield a database URL."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl) not found: install postgresql")
    prefix, uid, gid = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="citynews-pg-"))
    data = root / "data"
    if uid is not None:
        os.chown(root, uid, gid)
    port = free_port()
    run = lambda *args: subprocess.run(  # noqa: E731
        [*prefix, *args], check=True, capture_output=True, text=True
    )
    run(initdb, "-D", str(data), "-U", "citynews", "--auth=trust", "-E", "UTF8", "--locale=C")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off"
    run(pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://citynews@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)

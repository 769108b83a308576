"""A process that has imported the command line and the crawler once and forks a fresh process
for each command a test runs (`python -m tests.support.launcher SOCKET`).

Each command still runs in a process of its own, from a state no command has touched: nothing
but imports happened before the fork (no reactor, no thread, no archive connection), so the
process is the one `python -m citynews` would be once it has imported the same modules. It
gets its own folder, environment, standard streams and arguments, exits through the
interpreter's normal shutdown, and its exit status is the one `subprocess` would report. What
the fork saves is the import of the command line, Scrapy and Twisted: about 2 s of CPU for
every crawl a test starts.

The protocol, one connection per command over a Unix socket: the test sends the command's
standard output and error (the write ends of two pipes, as file descriptors) and its argv, cwd
and env as JSON; the launcher answers a line with the command's pid, then a line with its exit
status when it ends.
"""

import gc
import json
import os
import selectors
import socket
import sys
import time
from contextlib import suppress
from multiprocessing import connection as mp_connection
from multiprocessing import forkserver

from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from scraper.runtime.processes import PRELOAD

PRELOADED = (
    "citynews.cli",
    "scraper.crawl",
    "scraper.inspect_page",
    *PRELOAD,
    "alembic.command",  # a new archive's migrations
    "httpcore",  # the document downloads' HTTP client
    "anyio",
)
COMPONENTS = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES")
# Commands that start helper processes through multiprocessing's fork server.
HELPER_COMMANDS = frozenset({"crawl", "reparse", "documents"})


def serve(listener: socket.socket) -> tuple[dict, socket.socket] | None:
    """Fork a process per request until standard input closes (the test process ended).
    Returns, in a forked process, its request; in the launcher, None when it is time to go."""
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    running: dict[int, socket.socket] = {}
    while True:
        for key, _ in selector.select(timeout=0.02 if running else None):
            if key.fileobj is sys.stdin:
                if not os.read(sys.stdin.fileno(), 4096):
                    return None
                continue
            connection, _ = listener.accept()
            request = receive(connection)
            pid = os.fork()
            if pid == 0:
                selector.close()
                listener.close()
                for other in running.values():
                    other.close()
                return request, connection
            for fd in request["fds"]:
                os.close(fd)
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            running[pid] = connection
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            connection = running.pop(pid, None)
            if connection is not None:
                code = os.waitstatus_to_exitcode(status)
                connection.sendall(json.dumps({"status": code}).encode() + b"\n")
                connection.close()


def receive(connection: socket.socket) -> dict:
    """A request: its length and the command's stdout and stderr (file descriptors passed
    with the first bytes), then its JSON."""
    header, fds, _, _ = socket.recv_fds(connection, 8, 2)
    length = int.from_bytes(header, "big")
    body = b""
    while len(body) < length:
        body += connection.recv(length - len(body))
    return {**json.loads(body), "fds": fds}


def become_command(request: dict, connection: socket.socket) -> list[str]:
    """Set up a forked process as the command's own: streams, folder, environment."""
    connection.close()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, given in zip((1, 2), request["fds"], strict=True):
        os.dup2(given, fd)
        os.close(given)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    return ["citynews", *request["argv"]]


def start_fork_server() -> None:
    """Start this process's multiprocessing fork server by forking it from here, where every
    module it preloads is imported already, instead of from a fresh interpreter that imports
    them again (about 1.2 s of CPU). The server is this command's child and ends with it, as
    one started on first use; it only starts earlier, while nothing but imports has happened.

    Left to multiprocessing (the server is started on first use) where the fork server is not
    the one this was written for."""
    server = forkserver._forkserver
    if server._forkserver_pid is not None or hasattr(server, "_forkserver_authkey"):
        return
    listener = socket.socket(socket.AF_UNIX)
    address = mp_connection.arbitrary_address("AF_UNIX")
    listener.bind(address)
    os.chmod(address, 0o600)
    listener.listen()
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(alive_w)
            forkserver.main(listener.fileno(), alive_r, server._preload_modules)
        finally:
            os._exit(0)
    listener.close()
    os.close(alive_r)
    server._forkserver_address = address
    server._forkserver_alive_fd = alive_w
    server._forkserver_pid = pid


def import_crawl_components() -> None:
    """Import the middlewares, extensions, pipelines and download handlers Scrapy loads when a
    crawl starts, as named by the project's settings and Scrapy's defaults."""
    settings = Settings()
    settings.setmodule("scraper.settings")
    components = [path for name in COMPONENTS for path in settings.getwithbase(name)]
    components += settings.getwithbase("DOWNLOAD_HANDLERS").values()
    for path in components:
        if isinstance(path, str):
            with suppress(ImportError, NameError):
                load_object(path)


def main() -> None:
    for name in PRELOADED:
        __import__(name)
    import_crawl_components()
    gc.freeze()  # what is imported stays: no command's collections, nor its exit, walk it again
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(16)
    print("ready", flush=True)
    served = serve(listener)
    if served is None:
        return
    sys.argv = become_command(*served)
    if sys.argv[1:2] and sys.argv[1] in HELPER_COMMANDS:
        start_fork_server()
    from citynews.cli import main as citynews

    raise SystemExit(citynews())


if __name__ == "__main__":
    main()

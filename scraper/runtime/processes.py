"""The one way a command starts its helper processes, and what every helper does first.

Every pool and child is started by multiprocessing's fork server: one fresh process per
command, started on first use, which imports what the helpers run (PRELOAD) once and forks each
helper from itself. A helper gets none of the command's threads (a crawl's reactor and its
thread pool: a plain fork would copy their locks mid-use), archive connections or crawl lock,
and it starts without importing everything again (as a spawned process would).
"""

import ctypes
import multiprocessing
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

PRELOAD = [  # what the crawl's and reparse's helpers run; a document reader imports its own
    "scraper.runtime.page_worker",
    "scraper.runtime.writer_process",
    "scraper.reparse",
]
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PR_SET_NAME = 15
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PARSER_NAME = "citynews-parse"  # helpers' names in ps and top
WRITER_NAME = "citynews-writer"
DOCUMENT_READER_NAME = "citynews-docs"

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(PRELOAD)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


# Loaded once, before any fork: a child about to exec (a tool under a memory limit) only calls.
LIBC = _libc()


def prctl(option: int, value: object) -> None:
    """Linux's prctl(2); nothing elsewhere."""
    with suppress(AttributeError):
        if LIBC is not None:
            LIBC.prctl(option, value)


def die_with_parent(stop: signal.Signals = signal.SIGKILL) -> None:
    """In a child process: the kernel sends it `stop` as soon as its parent ends, even by
    SIGKILL (Linux only). A helper's parent is the fork server, which ends with its command."""
    prctl(PR_SET_PDEATHSIG, stop)


def terminate_with_parent() -> None:
    """For subprocess.Popen's preexec_fn: the child gets SIGTERM when its parent ends."""
    die_with_parent(signal.SIGTERM)


def parent_runs() -> bool:
    """In a helper: whether the process that started it still runs (True in a command's own
    process). The helper holds a pipe whose other end only that process holds."""
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def exit_unless_parent_runs() -> None:
    """In a helper: end at once if the command that started it is gone (a SIGKILL), leaving
    uncommitted what it has not committed yet."""
    if not parent_runs():
        os._exit(0)


def exit_with_parent() -> None:
    """In a helper: end at once when the command that started it ends."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def become_background_worker(name: str) -> None:
    """In a helper: leave Ctrl-C, SIGTERM and SIGHUP to the command (which stops its helpers
    itself), yield the CPU to it (nice 10), die with it, and show `name` in ps and top."""
    for stop in FORWARDED_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    os.nice(10)
    prctl(PR_SET_NAME, name.encode()[:15])
    die_with_parent()
    exit_with_parent()


def start_background_worker(
    name: str, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    become_background_worker(name)
    if initializer is not None:
        initializer(*initargs)


def background_pool(
    workers: int,
    name: str,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A pool of background workers named `name`; each runs initializer(*initargs) first."""
    return ProcessPoolExecutor(
        workers,
        mp_context=CONTEXT,
        initializer=start_background_worker,
        initargs=(name, initializer, initargs),
    )


def run_until_signalled(command: list[str], cwd: Path | None = None) -> int:
    """Run a program until it exits; SIGTERM, SIGINT and SIGHUP are passed on to it, and it
    gets SIGTERM if this process is killed. Its exit status (128 + N when signal N ended it).

    Whatever happens, the child is stopped (terminated, then killed) before this returns.
    """
    child = subprocess.Popen(command, cwd=cwd, preexec_fn=terminate_with_parent)

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

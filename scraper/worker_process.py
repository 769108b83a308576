"""Helper processes that never outlive the command that started them."""

import ctypes
import multiprocessing
import os
import signal
import threading
from contextlib import suppress
from multiprocessing.connection import wait

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(stop: signal.Signals = signal.SIGKILL) -> None:
    """In a child process: the kernel sends it `stop` as soon as its parent ends, even by
    SIGKILL (Linux only)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, stop)


def exit_with_command() -> None:
    """In a multiprocessing child: end at once when the process that started it ends.

    The parent's end closes a pipe the child holds (its parent sentinel), also when a server
    process forked the child for it (the forkserver start method), where the kernel's parent
    death signal would wait for the server instead."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-command", daemon=True).start()


def become_background_worker() -> None:
    """In a worker process of a command: leave Ctrl-C, SIGTERM and SIGHUP to the command (which
    stops its workers itself), yield the CPU to it (nice 10), and die with it."""
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, signal.SIG_IGN)
    os.nice(10)
    die_with_parent()
    exit_with_command()

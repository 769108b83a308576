"""The crawl's writer process: one background process, holding the crawl's ArchiveWriter.

The crawl's process sends it tasks (write a batch, record the run's end), which run in the
order they were sent; each answers with a Report. The process ends with the crawl: it exits as
soon as the crawl's process is gone, and never commits a batch once it is.
"""

import os
import pickle
import traceback
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError

from archive.db import error_reason
from scraper.archive_writer import ArchiveWriter, Listings, WriterConfig, Written
from scraper.runtime.processes import WRITER_NAME, background_pool, exit_unless_parent_runs

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred


@dataclass
class Report:
    """What the writer sends back for one task: per-item results, or the error that stopped
    the task, and the warnings to log in the crawl's log."""

    written: list[Written] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: Exception | None = None
    outcome: tuple[str, str | None] | None = None  # the run's, once it ended


class WriterProcess:
    """In the crawl's process: the writer process, started at once so it is ready when the
    first batch comes."""

    def __init__(self, config: WriterConfig) -> None:
        self.executor = background_pool(
            1, WRITER_NAME, initializer=start_writer, initargs=(config,)
        )
        self.executor.submit(os.getpid)

    def write_batch(self, items: list[Any]) -> "Deferred[Report]":
        """Write items in one transaction (after the tasks sent before)."""
        return self.send(write_batch, items)

    def record_end(
        self, reason: str, requests: int, listings: Listings, write_error: str | None
    ) -> "Deferred[Report]":
        """Store the pages held back and the run's outcome, then close the archive."""
        return self.send(record_end, reason, requests, listings, write_error)

    def send(self, task: Any, *args: Any) -> "Deferred[Report]":
        """Run a task in the writer process; its report, in the reactor's thread (it fails
        with BrokenProcessPool if the process ended)."""
        from twisted.internet import reactor  # the one Scrapy installed
        from twisted.internet.defer import Deferred

        reported: Deferred[Report] = Deferred()

        def deliver(future: Future[Report]) -> None:
            try:
                report = future.result()
            except Exception as error:
                reported.errback(error)
                return
            reported.callback(report)

        try:
            future = self.executor.submit(task, *args)
        except BrokenProcessPool as lost:
            reported.errback(lost)
            return reported
        future.add_done_callback(lambda done: reactor.callFromThread(deliver, done))
        return reported

    def stop(self) -> None:
        """Wait for the tasks sent, then end the process."""
        self.executor.shutdown(wait=True, cancel_futures=True)


WRITER: ArchiveWriter | None = None  # the writer process's one writer


def start_writer(config: WriterConfig) -> None:
    """In the writer process (a background worker: the crawl handles Ctrl-C and SIGTERM, then
    sends what is pending and ends the run): open the archive, unless the crawl is gone."""
    global WRITER
    exit_unless_parent_runs()
    WRITER = ArchiveWriter(config, before_commit=exit_unless_parent_runs)


def writer() -> ArchiveWriter:
    assert WRITER is not None, "start_writer runs first in the writer process"
    return WRITER


def write_batch(items: list[Any]) -> Report:
    """Task: write a batch of items in one transaction."""
    report = Report()
    try:
        report.written = writer().write_batch(items)
    except OperationalError as error:
        writer().write_error = writer().write_error or error_reason(error)
        report.error = sendable(error)
    except Exception as error:
        report.error = sendable(error)
    report.warnings = drain_warnings()
    return report


def record_end(reason: str, requests: int, listings: Listings, write_error: str | None) -> Report:
    """Task: store the pages held back and the run's outcome, then close the archive."""
    report = Report()
    try:
        names, report.outcome = writer().record_end(reason, requests, listings, write_error)
        report.written = [(names, None)]
    except Exception as error:
        report.error = sendable(error)
    finally:
        writer().close()
    report.warnings = drain_warnings()
    return report


def drain_warnings() -> list[str]:
    warnings, writer().warnings = writer().warnings, []
    return warnings


def sendable(error: Exception) -> Exception:
    """The error, with where it was raised in this process, in a form that crosses back."""
    error.add_note(f"raised in the archive writer process:\n{traceback.format_exc()}")
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    return error

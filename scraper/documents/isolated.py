"""Extraction in worker processes of its own, under a CPU-time limit per document, an
address-space limit and a wall-clock timeout, so a hostile file (a million pages, a
decompression bomb, a reader's crash) ends as that document's failure and nothing else is
touched.

A worker reads documents one after another (starting a process costs as much as reading a
short document); it is replaced after a document that failed, was killed or timed out, and
after RECYCLE_AFTER documents, so no document runs in a process another one spoiled.
"""

import queue
import resource
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Self

from scraper.documents.archives import ZipBudget
from scraper.documents.extract import DEFAULT_OPTIONS, OUT_OF_MEMORY, extract_kind
from scraper.documents.kinds import Kind, NotADocument, identify
from scraper.documents.results import DocumentText, ExtractOptions, MiB, failed
from scraper.runtime.processes import CONTEXT, DOCUMENT_READER_NAME, become_background_worker

KILL_GRACE_SECONDS = 5.0
RECYCLE_AFTER = 100


@dataclass(frozen=True)
class ProcessLimits:
    """What one document's extraction may use (its tools have their own limits, in
    ExtractOptions)."""

    cpu_seconds: int = 300
    wall_seconds: float = 1200.0  # OCR of many pages takes most of it
    memory_bytes: int = 2048 * MiB  # the worker's address space, not resident memory


DEFAULT_LIMITS = ProcessLimits()


@dataclass
class Worker:
    process: BaseProcess
    connection: Connection
    documents: int = 0


class IsolatedReader:
    """Reads documents, one at a time, in a worker process under `limits`; never raises for
    a bad file: a limit reached, a crash or a timeout is the document's failure."""

    def __init__(
        self, options: ExtractOptions = DEFAULT_OPTIONS, limits: ProcessLimits = DEFAULT_LIMITS
    ) -> None:
        self.options = options
        self.limits = limits
        self.context = CONTEXT
        self.worker: Worker | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def read(self, path: Path) -> DocumentText:
        """The document's text; its failure says why there is none."""
        kind = identify(path)
        if isinstance(kind, NotADocument):
            return failed(None, f"not a document: {kind.reason}")
        worker = self.worker or self.start()
        try:
            worker.connection.send((path, kind))
        except (BrokenPipeError, ConnectionResetError):  # the worker ended while idle
            self.stop(worker)
            worker = self.start()
            worker.connection.send((path, kind))
        if not worker.connection.poll(self.limits.wall_seconds):
            self.stop(worker, busy=True)
            return failed(kind, f"took longer than {self.limits.wall_seconds:g} s")
        try:
            result: DocumentText = worker.connection.recv()
        except (EOFError, ConnectionResetError):  # the worker ended without an answer
            worker.process.join(KILL_GRACE_SECONDS)
            reason = death_reason(worker.process.exitcode, self.limits)
            self.stop(worker)
            return failed(kind, reason)
        worker.documents += 1
        if result.failure or worker.documents >= RECYCLE_AFTER:
            self.stop(worker)
        return result

    def start(self) -> Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=serve, args=(theirs, self.options, self.limits), daemon=True
        )
        process.start()
        theirs.close()
        self.worker = Worker(process, ours)
        return self.worker

    def stop(self, worker: Worker, busy: bool = False) -> None:
        """Ends a worker: at once when it is busy (still reading a document) or dead, else
        when it sees its pipe close."""
        worker.connection.close()
        if busy:
            worker.process.kill()
        worker.process.join(KILL_GRACE_SECONDS if worker.process.is_alive() else 0)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        if self.worker is worker:
            self.worker = None

    def close(self) -> None:
        if self.worker is not None:
            self.stop(self.worker)


def extract_isolated(
    path: Path, options: ExtractOptions = DEFAULT_OPTIONS, limits: ProcessLimits = DEFAULT_LIMITS
) -> DocumentText:
    """One document's text in a worker process of its own (IsolatedReader for many)."""
    with IsolatedReader(options, limits) as reader:
        return reader.read(path)


def extract_all(
    paths: Iterable[Path],
    workers: int,
    options: ExtractOptions = DEFAULT_OPTIONS,
    limits: ProcessLimits = DEFAULT_LIMITS,
) -> Iterator[tuple[Path, DocumentText]]:
    """Each document's text, read by `workers` worker processes, in the order given."""
    readers: queue.SimpleQueue[IsolatedReader] = queue.SimpleQueue()
    pool = [IsolatedReader(options, limits) for _ in range(workers)]
    for reader in pool:
        readers.put(reader)

    def read(path: Path) -> DocumentText:
        reader = readers.get()
        try:
            return reader.read(path)
        finally:
            readers.put(reader)

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="document-text") as threads:
            listed = list(paths)
            yield from zip(listed, threads.map(read, listed), strict=True)
    finally:
        for reader in pool:
            reader.close()


def serve(connection: Connection, options: ExtractOptions, limits: ProcessLimits) -> None:
    """A worker: limit itself, then read each document it is sent until its pipe closes."""
    become_background_worker(DOCUMENT_READER_NAME)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    while True:
        try:
            path, kind = connection.recv()
        except EOFError:
            return
        allow_cpu_seconds(limits.cpu_seconds)
        result = extract_in_worker(path, kind, options, limits)
        try:
            connection.send(result)
        except MemoryError:  # the text is too large to send within the limit
            connection.send(failed(kind, memory_reason(limits)))


def allow_cpu_seconds(seconds: int) -> None:
    """Lets this process use `seconds` more CPU time, then the kernel stops it (SIGXCPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (used + seconds, resource.RLIM_INFINITY))


def extract_in_worker(
    path: Path, kind: Kind, options: ExtractOptions, limits: ProcessLimits
) -> DocumentText:
    try:
        result = extract_kind(path, kind, options, ZipBudget(options.zip_max_bytes))
    except MemoryError:
        return failed(kind, memory_reason(limits))
    if result.failure == OUT_OF_MEMORY:
        return replace(result, failure=memory_reason(limits))
    return result


def memory_reason(limits: ProcessLimits) -> str:
    return f"ran out of memory (its limit is {limits.memory_bytes // MiB} MiB)"


def death_reason(exitcode: int | None, limits: ProcessLimits) -> str:
    """Why a worker ended without an answer, from its exit code."""
    if exitcode is None:
        return "the extraction process did not end"
    if exitcode >= 0:
        return f"the extraction process ended with status {exitcode}"
    number = -exitcode
    if number == signal.SIGXCPU:
        return f"used more than its {limits.cpu_seconds} s of CPU time"
    name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
    return f"the reader crashed ({name}), perhaps at the {limits.memory_bytes // MiB} MiB limit"

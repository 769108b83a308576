"""One extraction in a child process of its own, under a CPU-time limit, an address-space
limit and a wall-clock timeout, so a hostile file (a million pages, a decompression bomb, a
reader's crash) ends as that document's failure and nothing else is touched."""

import multiprocessing
import resource
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from scraper.documents import extract
from scraper.documents.archives import ZipBudget
from scraper.documents.extract import DEFAULT_OPTIONS, OUT_OF_MEMORY, extract_kind
from scraper.documents.kinds import Kind, NotADocument, identify
from scraper.documents.results import DocumentText, ExtractOptions, MiB, failed
from scraper.worker_process import become_background_worker

KILL_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class ProcessLimits:
    """What one document's extraction process may use (its tools have their own limits, in
    ExtractOptions)."""

    cpu_seconds: int = 300
    wall_seconds: float = 1200.0  # OCR of many pages takes most of it
    memory_bytes: int = 2048 * MiB  # address space, not resident memory


DEFAULT_LIMITS = ProcessLimits()


def extract_isolated(
    path: Path, options: ExtractOptions = DEFAULT_OPTIONS, limits: ProcessLimits = DEFAULT_LIMITS
) -> DocumentText:
    """The document's text, read in a child process under `limits`; never raises for a bad
    file: a limit reached, a crash or a timeout is the document's failure with its reason."""
    kind = identify(path)
    if isinstance(kind, NotADocument):
        return failed(None, f"not a document: {kind.reason}")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([extract.__name__])
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=extract_in_child, args=(sender, path, kind, options, limits), daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.wall_seconds):
            process.kill()
            return failed(kind, f"took longer than {limits.wall_seconds:g} s")
        try:
            result: DocumentText = receiver.recv()
        except EOFError:  # the child ended without an answer
            process.join(KILL_GRACE_SECONDS)
            return failed(kind, death_reason(process.exitcode, limits))
        return result
    finally:
        receiver.close()
        process.join(KILL_GRACE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()


def extract_all(
    paths: Iterable[Path],
    workers: int,
    options: ExtractOptions = DEFAULT_OPTIONS,
    limits: ProcessLimits = DEFAULT_LIMITS,
) -> Iterator[tuple[Path, DocumentText]]:
    """Each document's text, `workers` child processes at a time, in the order given."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="document-text") as pool:
        listed = list(paths)
        results = pool.map(lambda path: extract_isolated(path, options, limits), listed)
        yield from zip(listed, results, strict=True)


def extract_in_child(
    sender: Connection, path: Path, kind: Kind, options: ExtractOptions, limits: ProcessLimits
) -> None:
    """The child's side: limit itself, extract, send the result (or why it could not)."""
    become_background_worker()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    result = extract_kind(path, kind, options, ZipBudget(options.zip_max_bytes))
    if result.failure == OUT_OF_MEMORY:
        result = replace(result, failure=memory_reason(limits))
    try:
        sender.send(result)
    except MemoryError:
        sender.send(failed(kind, memory_reason(limits)))
    finally:
        sender.close()


def memory_reason(limits: ProcessLimits) -> str:
    return f"ran out of memory (its limit is {limits.memory_bytes // MiB} MiB)"


def death_reason(exitcode: int | None, limits: ProcessLimits) -> str:
    """Why an extraction process ended without an answer, from its exit code."""
    if exitcode is None:
        return "the extraction process did not end"
    if exitcode >= 0:
        return f"the extraction process ended with status {exitcode}"
    number = -exitcode
    if number in (signal.SIGXCPU, signal.SIGKILL):
        return f"used more than its {limits.cpu_seconds} s of CPU time (or was killed)"
    name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
    return f"the reader crashed ({name}), perhaps at the {limits.memory_bytes // MiB} MiB limit"

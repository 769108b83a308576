"""What document text costs: text-layer PDF pages per second on one core, OCR seconds per
scanned page, and the peak memory (RSS of the caller and its extraction processes together)
of extracting N documents in child processes.

    python bench/document_text.py [--pages 200] [--ocr-pages 4] [--documents 1000] [--workers 2]

The documents are made here from Russian text (tests/support/documents.py): PDFs of 1 to 20
pages, DOCX, XLSX, ODT and RTF in turn, one in 50 a one-page scan (OCR).
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from scraper.documents.extract import extract_document  # noqa: E402
from scraper.documents.isolated import extract_all  # noqa: E402
from tests.support import documents as make  # noqa: E402
from tests.support.documents import DECREE, PLOTS, PROTOCOL, TABLE  # noqa: E402

SCAN_EVERY = 50


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    tesseract = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return (
        f"{platform.node()}: {model}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB, "
        f"Python {platform.python_version()}, PDFium {pdfium.PDFIUM_INFO}, "
        f"{tesseract[0] if tesseract else 'no tesseract'}"
    )


def text_layer_pages_per_second(scratch: Path, pages: int) -> float:
    path = make.write(scratch / "long.pdf", make.text_pdf([DECREE, PROTOCOL] * (pages // 2)))
    start = time.process_time()
    result = extract_document(path)
    seconds = time.process_time() - start
    assert (result.method, result.pages) == ("text-layer", pages), result.failure
    return pages / seconds


def ocr_seconds_per_page(scratch: Path, pages: int) -> float:
    path = make.write(scratch / "scan.pdf", make.scanned_pdf([DECREE, PROTOCOL] * (pages // 2)))
    start = time.perf_counter()
    result = extract_document(path)
    seconds = time.perf_counter() - start
    assert (result.method, result.pages) == ("ocr", pages), result.failure
    return seconds / pages


def sample_documents(scratch: Path, count: int) -> list[Path]:
    """`count` documents of the kinds the site links, each file distinct."""
    makers = [
        lambda i: ("pdf", make.text_pdf([DECREE, PROTOCOL] * (1 + i % 10))),
        lambda i: ("docx", make.docx([*DECREE, f"№ {i}"], TABLE)),
        lambda i: ("xlsx", make.xlsx({**PLOTS, "Номер": [[i]]})),
        lambda i: ("odt", make.odt([*PROTOCOL, f"№ {i}"], TABLE)),
        lambda i: ("rtf", make.rtf_1251([*DECREE, f"№ {i}"])),
    ]
    paths = []
    for index in range(count):
        if index % SCAN_EVERY == SCAN_EVERY - 1:
            suffix, data = "pdf", make.scanned_pdf([[*PROTOCOL, f"№ {index}"]])
        else:
            suffix, data = makers[index % len(makers)](index)
        paths.append(make.write(scratch / f"{index}.{suffix}", data))
    return paths


class ProcessTree:
    """Samples this process and all its descendants (the forkserver, the workers, tesseract):
    the peak of their summed RSS, and the CPU time each used while sampled (as last seen)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self.cpu_ticks: dict[int, int] = {}
        self.before: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def __enter__(self) -> "ProcessTree":
        self.before = {pid: ticks for pid, (_, ticks) in descendants(os.getpid()).items()}
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def cpu_seconds(self) -> float:
        used = (ticks - self.before.get(pid, 0) for pid, ticks in self.cpu_ticks.items())
        return sum(used) / os.sysconf("SC_CLK_TCK")

    def watch(self) -> None:
        while not self.stop.wait(0.05):
            tree = descendants(os.getpid())
            self.peak_kb = max(self.peak_kb, sum(rss for rss, _ in tree.values()))
            for pid, (_, ticks) in tree.items():
                self.cpu_ticks[pid] = max(ticks, self.cpu_ticks.get(pid, 0))


def descendants(root: int) -> dict[int, tuple[int, int]]:
    """RSS (kB) and CPU ticks (user + system) of `root` and every process under it."""
    parents: dict[int, int] = {}
    usage: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(entry)
        # after the name: state, ppid, ... utime (12th), stime (13th), ... rss pages (22nd)
        parents[pid] = int(fields[1])
        rss_kb = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        usage[pid] = (rss_kb, int(fields[11]) + int(fields[12]))

    def under_root(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False

    return {pid: values for pid, values in usage.items() if under_root(pid)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--ocr-pages", type=int, default=4)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as workdir:
        scratch = Path(workdir)
        rate = text_layer_pages_per_second(scratch, args.pages)
        print(f"text-layer PDF, {args.pages} pages: {rate:.0f} pages per CPU second (one core)")
        per_page = ocr_seconds_per_page(scratch, args.ocr_pages)
        print(f"OCR (rus+eng, 300 dpi, one thread): {per_page:.1f} s per page")
        paths = sample_documents(scratch, args.documents)
        start = time.perf_counter()
        with ProcessTree() as tree:
            results = [result for _, result in extract_all(paths, workers=args.workers)]
        seconds = time.perf_counter() - start
    failed = sum(1 for result in results if result.failure)
    pages = sum(result.pages or 0 for result in results)
    characters = sum(result.characters for result in results)
    print(
        f"{len(results)} documents ({pages} PDF pages, {characters / 1e6:.1f} M characters), "
        f"{args.workers} worker processes: {seconds:.0f} s, {tree.cpu_seconds:.0f} CPU seconds "
        f"(all processes, OCR included), {failed} failed, peak RSS {tree.peak_kb / 1024:.0f} MB "
        "(this process and all under it)"
    )


if __name__ == "__main__":
    main()

"""Reading the stored documents' text into the archive: after a crawl, and by
`citynews documents extract` from the stored files alone, with no network.

Each file is read in a worker process under limits (scraper/documents/isolated.py); its text
is written page by page, one transaction per file, so a run killed midway keeps what it read
and the next run goes on from there.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.db import open_archive, session_scope
from archive.document_store import DocumentStore
from archive.documents import (
    ExtractedPart,
    Extraction,
    TextStatus,
    files_to_extract,
    record_extraction,
)
from scraper.documents.extract import DEFAULT_OPTIONS
from scraper.documents.isolated import extract_all
from scraper.documents.ocr import ocr_unavailable
from scraper.documents.results import DocumentText, ExtractOptions


@dataclass
class ExtractSummary:
    """What one extraction pass did."""

    read: int = 0  # files whose every page was read
    ocr_waiting: int = 0  # files read with pages that wait for Tesseract
    failed: int = 0
    missing: int = 0  # files the archive records but the folder lacks
    ocr_note: str | None = None  # why OCR is not available here, said once
    failures: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.read + self.ocr_waiting + self.failed + self.missing


def as_extraction(text: DocumentText) -> Extraction:
    """The archive's record of an extraction."""
    if text.failure is not None:
        status = TextStatus.FAILED
    elif text.ocr_waiting:
        status = TextStatus.OCR_WAITING
    else:
        status = TextStatus.EXTRACTED
    return Extraction(
        status=status,
        method=text.method,
        pages=text.pages,
        parts=[
            ExtractedPart(
                text=part.text,
                method=str(part.method),
                page=part.page,
                sheet=part.sheet,
                member=part.member,
                note=part.note,
            )
            for part in text.parts
        ],
        failure=text.failure,
        notes=list(text.notes),
    )


def extract_stored(
    db_url: str,
    documents_dir: Path,
    *,
    retry_failed: bool = False,
    workers: int | None = None,
    options: ExtractOptions = DEFAULT_OPTIONS,
    progress: Callable[[ExtractSummary], None] = lambda summary: None,
) -> ExtractSummary:
    """Read every stored file whose text is waiting (and the pages waiting for OCR once
    Tesseract is here; failed files too with retry_failed) into the archive."""
    summary = ExtractSummary(ocr_note=ocr_unavailable(options))
    wanted = [TextStatus.WAITING]
    if summary.ocr_note is None:
        wanted.append(TextStatus.OCR_WAITING)
    if retry_failed:
        wanted.append(TextStatus.FAILED)
    sessions = open_archive(db_url, migrate=False)
    store = DocumentStore(documents_dir)
    try:
        with sessions() as session:
            pending = [stored.sha256 for stored in files_to_extract(session, wanted)]
        present = []
        for sha256 in pending:
            if store.holds(sha256):
                present.append(sha256)
            else:
                summary.missing += 1
                summary.failures.append(f"{sha256}: not in {documents_dir}")
        paths = {store.path_of(sha256): sha256 for sha256 in present}
        count = workers or max(1, min(len(paths), os.cpu_count() or 1))
        for path, text in extract_all(paths, count, options):
            with session_scope(sessions) as session:
                record_extraction(session, paths[path], as_extraction(text), datetime.now(UTC))
            count_result(summary, paths[path], text)
            progress(summary)
    finally:
        sessions.kw["bind"].dispose()
    return summary


def count_result(summary: ExtractSummary, sha256: str, text: DocumentText) -> None:
    if text.failure is not None:
        summary.failed += 1
        summary.failures.append(f"{sha256}: {text.failure}")
    elif text.ocr_waiting:
        summary.ocr_waiting += 1
    else:
        summary.read += 1

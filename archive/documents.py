"""The documents articles link to: their URLs, the versions each served, the files kept once
per content, and their text. Functions take a session and never commit: callers do."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from archive.models import ArticleDocument, Document, DocumentFile, DocumentPart, DocumentVersion
from archive.search.index import index_file_text
from archive.watches import queue_document_notifications


class TextStatus(StrEnum):
    WAITING = "waiting"  # stored, not read yet
    EXTRACTED = "extracted"  # every page read
    OCR_WAITING = "ocr-waiting"  # read, but some pages wait for Tesseract
    FAILED = "failed"  # could not be read (the failure says why)


class FetchOutcome(StrEnum):
    NEW = "new"  # a URL fetched for the first time, kept
    CHANGED = "changed"  # a known URL serving another content: a new version kept
    UNCHANGED = "unchanged"  # the same content, or 304 Not Modified
    REMOVED = "removed"  # 404 or 410: the site no longer serves it
    FAILED = "failed"  # no document came back (HTML page, too large, error): the reason


@dataclass(frozen=True)
class StoredFile:
    """A file the crawl kept in the document store."""

    sha256: str
    size: int
    kind: str


@dataclass(frozen=True)
class DocumentFetch:
    """What one request for a document URL gave."""

    url: str
    fetched_at: datetime
    outcome: FetchOutcome
    file: StoredFile | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class DocumentCheck:
    """What the archive knows of a document URL when a crawl plans its requests."""

    checked_at: datetime | None
    failed_at: datetime | None
    etag: str | None
    last_modified: str | None
    kept: bool

    def due(self, now: datetime, recheck: timedelta | None, retry: timedelta) -> bool:
        """Whether to request it now: never answered, failed more than `retry` ago, or kept
        and last checked more than `recheck` ago (None: kept documents are not checked)."""
        if self.failed_at is not None and (self.checked_at is None or not self.kept):
            return now - self.failed_at >= retry
        if self.checked_at is None:
            return True
        return recheck is not None and now - self.checked_at >= recheck


@dataclass(frozen=True)
class ExtractedPart:
    text: str
    method: str
    page: int | None = None
    sheet: str | None = None
    member: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Extraction:
    """A stored file's text as extraction read it."""

    status: TextStatus
    method: str | None
    pages: int | None
    parts: list[ExtractedPart] = field(default_factory=list)
    failure: str | None = None
    notes: list[str] = field(default_factory=list)


def document(session: Session, url: str, seen_at: datetime) -> Document:
    """The document row of a URL, added when it is new."""
    found = session.scalar(select(Document).where(Document.url == url))
    if found is None:
        found = Document(url=url, first_seen_at=seen_at)
        session.add(found)
        session.flush()
    return found


def link_documents(
    session: Session, article_id: int, links: Iterable[dict[str, Any]], seen_at: datetime
) -> None:
    """Record that an article's page, fetched at `seen_at`, links these documents."""
    wanted = {link["url"]: str(link.get("title") or "") for link in links if link.get("url")}
    if not wanted:
        return
    linked = {
        row.document_id: row
        for row in session.scalars(
            select(ArticleDocument).where(ArticleDocument.article_id == article_id)
        )
    }
    for url, title in wanted.items():
        target = document(session, url, seen_at)
        link = linked.get(target.id)
        if link is None:
            session.add(
                ArticleDocument(
                    article_id=article_id,
                    document_id=target.id,
                    title=title,
                    first_seen_at=seen_at,
                    last_seen_at=seen_at,
                )
            )
        elif seen_at > link.last_seen_at:
            link.last_seen_at = seen_at
            link.title = title or link.title


def record_fetch(session: Session, fetch: DocumentFetch) -> FetchOutcome:
    """Apply a request's outcome to the document's rows; the outcome as the archive saw it
    (a content already kept for the URL is UNCHANGED, even when fetched in full)."""
    target = document(session, fetch.url, fetch.fetched_at)
    outcome = fetch.outcome
    if outcome is FetchOutcome.REMOVED and target.sha256 is None:
        outcome = FetchOutcome.FAILED  # never served: a broken link, not a removal
    if outcome is FetchOutcome.FAILED:
        target.failure = fetch.error or "no document came back"
        target.failed_at = fetch.fetched_at
        return outcome
    target.checked_at = fetch.fetched_at
    target.failure = target.failed_at = None
    if outcome is FetchOutcome.REMOVED:
        if target.removed_at is None:
            target.removed_at = fetch.fetched_at
        return outcome
    target.removed_at = None
    if outcome is FetchOutcome.UNCHANGED and fetch.file is None:
        if target.sha256 is not None:
            seen_version(session, target, target.sha256, fetch.fetched_at)
        return outcome
    assert fetch.file is not None, "a document fetched in full comes with its file"
    keep_file(session, fetch.file, fetch.fetched_at)
    outcome = (
        FetchOutcome.NEW  # sha256 is set with the first version kept, and never cleared
        if target.sha256 is None
        else FetchOutcome.UNCHANGED
        if target.sha256 == fetch.file.sha256
        else FetchOutcome.CHANGED
    )
    seen_version(session, target, fetch.file.sha256, fetch.fetched_at)
    target.sha256 = fetch.file.sha256
    target.etag = fetch.etag
    target.last_modified = fetch.last_modified
    return outcome


def keep_file(session: Session, stored: StoredFile, at: datetime) -> None:
    if session.get(DocumentFile, stored.sha256) is None:
        session.add(
            DocumentFile(
                sha256=stored.sha256,
                size=stored.size,
                kind=stored.kind,
                stored_at=at,
                text_status=TextStatus.WAITING,
                notes=[],
            )
        )
        session.flush()


def seen_version(session: Session, target: Document, sha256: str, at: datetime) -> None:
    version = session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.document_id == target.id, DocumentVersion.sha256 == sha256
        )
    )
    if version is None:
        session.add(
            DocumentVersion(document_id=target.id, sha256=sha256, first_seen_at=at, last_seen_at=at)
        )
        session.flush()
    elif at > version.last_seen_at:
        version.last_seen_at = at


def document_checks(session: Session) -> dict[str, DocumentCheck]:
    """What the archive knows of every document URL, for a crawl's plan."""
    rows = session.execute(
        select(
            Document.url,
            Document.checked_at,
            Document.failed_at,
            Document.etag,
            Document.last_modified,
            Document.sha256,
        )
    )
    return {
        url: DocumentCheck(checked, failed, etag, modified, sha256 is not None)
        for url, checked, failed, etag, modified, sha256 in rows
    }


def files_to_extract(session: Session, statuses: Iterable[TextStatus]) -> list[DocumentFile]:
    """The stored files whose text is in one of these states, oldest first."""
    return list(
        session.scalars(
            select(DocumentFile)
            .where(DocumentFile.text_status.in_([str(status) for status in statuses]))
            .order_by(DocumentFile.stored_at, DocumentFile.sha256)
        )
    )


def record_extraction(session: Session, sha256: str, extraction: Extraction, at: datetime) -> bool:
    """Store a file's text, replacing what an earlier extraction read; False when the new
    extraction failed where an earlier one read text, which is kept."""
    stored = session.get(DocumentFile, sha256)
    if stored is None:
        raise KeyError(f"no stored document file {sha256}")
    read_before = stored.text_status in (TextStatus.EXTRACTED, TextStatus.OCR_WAITING)
    if extraction.status is TextStatus.FAILED and read_before:
        return False
    session.execute(delete(DocumentPart).where(DocumentPart.sha256 == sha256))
    if extraction.parts:
        session.execute(
            insert(DocumentPart),
            [
                {
                    "sha256": sha256,
                    "position": position,
                    "page": part.page,
                    "sheet": part.sheet,
                    "member": part.member,
                    "method": part.method,
                    "text": part.text,
                    "note": part.note,
                }
                for position, part in enumerate(extraction.parts)
            ],
        )
    stored.text_status = extraction.status
    stored.method = extraction.method
    stored.pages = extraction.pages
    stored.characters = sum(len(part.text) for part in extraction.parts)
    stored.failure = extraction.failure
    stored.notes = list(extraction.notes)
    stored.extracted_at = at
    index_file_text(session, sha256)
    if extraction.parts:
        queue_document_notifications(session, sha256, at)
    return True

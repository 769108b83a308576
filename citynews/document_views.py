"""The documents articles link, for people (`citynews documents`, `citynews show`) and as rows
of JSON or CSV."""

from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import object_session

from archive.document_queries import LinkedDocument, article_documents
from archive.document_store import DocumentStore
from archive.models import Article
from citynews.display import for_terminal, labelled_time
from exports.records import iso

DOCUMENT_FIELDS = (
    "url",
    "title",
    "article_url",
    "article_title",
    "article_published_at",
    "type",
    "size",
    "pages",
    "text_status",
    "failure",
    "sha256",
    "path",
    "removed_at",
    "first_seen_at",
)
KIB = 1024


def file_size(size: int | None) -> str:
    """A size for people: bytes, KiB or MiB."""
    if size is None:
        return "-"
    if size < KIB:
        return f"{size} bytes"
    if size < KIB * KIB:
        return f"{size / KIB:.1f} KiB"
    return f"{size / KIB / KIB:.1f} MiB"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def kept_path(document: LinkedDocument, store: DocumentStore) -> Path | None:
    """Where the document's current file is kept, when the folder holds it."""
    if document.sha256 is None:
        return None
    path = store.path_of(document.sha256)
    return path if path.is_file() else None


def file_line(document: LinkedDocument, store: DocumentStore) -> str | None:
    """Where its file is, or that the folder lacks it; None with no file kept."""
    if document.sha256 is None:
        return None
    path = kept_path(document, store)
    return f"file: {path}" if path else f"file: missing from {store.root} ({document.sha256})"


def document_lines(document: LinkedDocument, store: DocumentStore, tz: ZoneInfo) -> list[str]:
    """One document for people: its link title, what it is, its URL, its file, removal and
    failure."""
    pages = "-" if document.pages is None else _plural(document.pages, "page")
    facts = [
        document.kind or "-",
        file_size(document.size),
        pages,
        document.status,
        f"first seen {labelled_time(document.first_seen_at, tz)}",
    ]
    lines = [document.title or "(no link text)", " · ".join(facts), document.url]
    where = file_line(document, store)
    if where:
        lines.append(where)
    if document.removed_at:
        lines.append(f"REMOVED from the site since {labelled_time(document.removed_at, tz)}")
    if document.failure:
        lines.append(f"why: {document.failure}")
    return [for_terminal(line) for line in lines]


def listing_entry(rank: int, document: LinkedDocument, store: DocumentStore, tz: ZoneInfo) -> str:
    """One document of `citynews documents`: its lines, then the article that links it."""
    first, *rest = document_lines(document, store, tz)
    published = labelled_time(
        document.article_published_at, tz, document.article_published_precision
    )
    article = f"in: {document.article_title or '(no title)'} ({published}) {document.article_url}"
    rest.append(for_terminal(article))
    return "\n".join([f"{rank:>3}. {first}", *(f"     {line}" for line in rest)])


def article_documents_section(
    documents: list[LinkedDocument], store: DocumentStore, tz: ZoneInfo
) -> list[str]:
    """The documents part of `citynews show`."""
    if not documents:
        return []
    lines = ["", f"documents ({len(documents)}):"]
    for document in documents:
        first, *rest = document_lines(document, store, tz)
        lines += [f"  {first}", *(f"    {line}" for line in rest)]
    return lines


def show_article(documents_dir: Path) -> Callable[[Article, ZoneInfo], str]:
    """`citynews show`: the article as `article_report` shows it, then its documents, their
    files looked up in documents_dir."""
    from citynews.reports import article_report

    store = DocumentStore(documents_dir)

    def report(article: Article, tz: ZoneInfo) -> str:
        session = object_session(article)
        assert session is not None, "an article read from the archive"
        documents = article_documents(session, article.id)
        return "\n".join(
            [article_report(article, tz), *article_documents_section(documents, store, tz)]
        )

    return report


def document_row(document: LinkedDocument, store: DocumentStore, tz: ZoneInfo) -> dict[str, Any]:
    """One document as JSON or CSV: its publication time in the site's zone, ours in UTC."""
    path = kept_path(document, store)
    return {
        "url": document.url,
        "title": document.title,
        "article_url": document.article_url,
        "article_title": document.article_title,
        "article_published_at": iso(document.article_published_at, tz),
        "type": document.kind,
        "size": document.size,
        "pages": document.pages,
        "text_status": document.status,
        "failure": document.failure,
        "sha256": document.sha256,
        "path": str(path) if path else None,
        "removed_at": iso(document.removed_at),
        "first_seen_at": iso(document.first_seen_at),
    }

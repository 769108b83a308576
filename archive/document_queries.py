"""Reading the documents articles link, for people: listings, an article's documents, the
documents of export records, and the documents a period saw kept or removed. Every function
takes a session and only reads.

A document's status is its file's text status (waiting, extracted, ocr-waiting, failed) once
a file is kept; before that `not-fetched`, or `fetch-failed` when the last request gave no
document.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, literal, select
from sqlalchemy.orm import Session

from archive.models import Article, ArticleDocument, Document, DocumentFile, DocumentPart
from archive.models import DocumentVersion as Version

NOT_FETCHED = "not-fetched"
FETCH_FAILED = "fetch-failed"
TEXT_STATUSES = ("waiting", "extracted", "ocr-waiting", "failed")
STATUSES = (*TEXT_STATUSES, NOT_FETCHED, FETCH_FAILED)

STATUS: ColumnElement[str] = case(
    (and_(Document.sha256.is_(None), Document.failure.is_(None)), literal(NOT_FETCHED)),
    (Document.sha256.is_(None), literal(FETCH_FAILED)),
    else_=DocumentFile.text_status,
)
# Why a document has no text: its file's extraction failure, or, with no file kept, the fetch's.
FAILURE: ColumnElement[str | None] = case(
    (Document.sha256.is_(None), Document.failure), else_=DocumentFile.failure
)


@dataclass(frozen=True)
class LinkedDocument:
    """A document as an article links it: the link, the file kept for it now, its status."""

    url: str
    title: str
    article_url: str
    article_title: str | None
    article_published_at: datetime | None
    article_published_precision: str | None
    kind: str | None
    size: int | None
    pages: int | None
    status: str
    failure: str | None
    sha256: str | None
    removed_at: datetime | None
    first_seen_at: datetime


@dataclass(frozen=True)
class DocumentFilters:
    """What `citynews documents` lists: any of these sections, kinds and statuses (empty: any),
    articles published in [since, until), only removed documents."""

    sections: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    kinds: Sequence[str] = ()
    statuses: Sequence[str] = ()
    removed: bool = False


LINK_COLUMNS = (
    Document.url,
    ArticleDocument.title,
    Article.url,
    Article.title,
    Article.published_at,
    Article.published_precision,
    DocumentFile.kind,
    DocumentFile.size,
    DocumentFile.pages,
    STATUS,
    FAILURE,
    Document.sha256,
    Document.removed_at,
    Document.first_seen_at,
)


def _links() -> Select[*tuple[Any, ...]]:
    return (
        select(*LINK_COLUMNS)
        .select_from(ArticleDocument)
        .join(Document, Document.id == ArticleDocument.document_id)
        .join(Article, Article.id == ArticleDocument.article_id)
        .outerjoin(DocumentFile, DocumentFile.sha256 == Document.sha256)
    )


def _filtered(stmt: Select[*tuple[Any, ...]], filters: DocumentFilters) -> Select[*tuple[Any, ...]]:
    if filters.sections:
        stmt = stmt.where(Article.section.in_(list(filters.sections)))
    if filters.since:
        stmt = stmt.where(Article.published_at >= filters.since)
    if filters.until:
        stmt = stmt.where(Article.published_at < filters.until)
    if filters.kinds:
        stmt = stmt.where(DocumentFile.kind.in_(list(filters.kinds)))
    if filters.statuses:
        stmt = stmt.where(STATUS.in_(list(filters.statuses)))
    if filters.removed:
        stmt = stmt.where(Document.removed_at.is_not(None))
    return stmt


def iter_linked_documents(
    session: Session, filters: DocumentFilters, limit: int | None = None
) -> Iterator[LinkedDocument]:
    """Each link from an article to a document that the filters select, newest article first
    (undated articles last), streamed."""
    stmt = _filtered(_links(), filters).order_by(
        Article.published_at.desc().nulls_last(), Article.id.desc(), ArticleDocument.id
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in session.execute(stmt.execution_options(yield_per=500)):
        yield LinkedDocument(*row)


def count_linked_documents(session: Session, filters: DocumentFilters) -> int:
    """How many links the filters select."""
    stmt = _filtered(_links(), filters).subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0


def article_documents(session: Session, article_id: int) -> list[LinkedDocument]:
    """An article's documents, in the order the links were first seen."""
    stmt = _links().where(ArticleDocument.article_id == article_id)
    rows = session.execute(stmt.order_by(ArticleDocument.first_seen_at, ArticleDocument.id))
    return [LinkedDocument(*row) for row in rows]


def export_documents(
    session: Session, article_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """The `documents` of each article's export record, in one query: url, title, sha256,
    type, size, pages, text_status."""
    ids = list(article_ids)
    found: dict[int, list[dict[str, Any]]] = {article_id: [] for article_id in ids}
    if not ids:
        return found
    rows = session.execute(
        select(
            ArticleDocument.article_id,
            Document.url,
            ArticleDocument.title,
            Document.sha256,
            DocumentFile.kind,
            DocumentFile.size,
            DocumentFile.pages,
            STATUS,
        )
        .select_from(ArticleDocument)
        .join(Document, Document.id == ArticleDocument.document_id)
        .outerjoin(DocumentFile, DocumentFile.sha256 == Document.sha256)
        .where(ArticleDocument.article_id.in_(ids))
        .order_by(ArticleDocument.article_id, ArticleDocument.first_seen_at, ArticleDocument.id)
    ).all()
    for article_id, url, title, sha256, kind, size, pages, status in rows:
        found[article_id].append(
            {
                "url": url,
                "title": title,
                "sha256": sha256,
                "type": kind,
                "size": size,
                "pages": pages,
                "text_status": status,
            }
        )
    return found


def add_document_texts(session: Session, documents: list[dict[str, Any]]) -> None:
    """Give each of export's document entries its `text` (None while it has none)."""
    texts = document_texts(session, [entry["sha256"] for entry in documents if entry["sha256"]])
    for entry in documents:
        entry["text"] = texts.get(entry["sha256"]) if entry["sha256"] else None


# Built once and run per article by export: SQLAlchemy reuses its compiled form.
TEXT_PARTS = (
    select(DocumentPart.sha256, DocumentPart.text)
    .where(DocumentPart.sha256.in_(bindparam("sha256s", expanding=True)), DocumentPart.text != "")
    .order_by(DocumentPart.sha256, DocumentPart.position)
)


def document_texts(session: Session, sha256s: Iterable[str]) -> dict[str, str]:
    """The text of each stored file: its pages, sheets and members in order, a blank line
    between them (files with no text read yet are left out)."""
    wanted = sorted(set(sha256s))
    if not wanted:
        return {}
    parts: dict[str, list[str]] = defaultdict(list)
    for sha256, text in session.connection().execute(TEXT_PARTS, {"sha256s": wanted}):
        parts[sha256].append(text)
    return {sha256: "\n\n".join(texts) for sha256, texts in parts.items()}


@dataclass(frozen=True)
class LinkingArticle:
    url: str
    title: str | None
    link_title: str


@dataclass
class PeriodDocument:
    """A document kept for the first time, or found removed, in a period."""

    url: str
    at: datetime
    kind: str | None
    size: int | None
    articles: list[LinkingArticle] = field(default_factory=list)


def new_documents(session: Session, since: datetime, until: datetime) -> list[PeriodDocument]:
    """Documents whose first version was kept in [since, until), in that order."""
    first_kept = (
        select(Version.document_id, func.min(Version.first_seen_at).label("at"))
        .group_by(Version.document_id)
        .subquery()
    )
    stmt = (
        select(Document.id, Document.url, first_kept.c.at, DocumentFile.kind, DocumentFile.size)
        .join(first_kept, first_kept.c.document_id == Document.id)
        .outerjoin(DocumentFile, DocumentFile.sha256 == Document.sha256)
        .where(first_kept.c.at >= since, first_kept.c.at < until)
        .order_by(first_kept.c.at, Document.id)
    )
    return _with_articles(session, session.execute(stmt).all())


def removed_documents(session: Session, since: datetime, until: datetime) -> list[PeriodDocument]:
    """Documents the site stopped serving in [since, until) and has not served since."""
    stmt = (
        select(Document.id, Document.url, Document.removed_at, DocumentFile.kind, DocumentFile.size)
        .outerjoin(DocumentFile, DocumentFile.sha256 == Document.sha256)
        .where(Document.removed_at >= since, Document.removed_at < until)
        .order_by(Document.removed_at, Document.id)
    )
    return _with_articles(session, session.execute(stmt).all())


def _with_articles(session: Session, rows: Sequence[Any]) -> list[PeriodDocument]:
    """The documents of rows (id, url, at, kind, size), each with the articles that link it."""
    found = {row[0]: PeriodDocument(*row[1:]) for row in rows}
    if not found:
        return []
    links = session.execute(
        select(ArticleDocument.document_id, Article.url, Article.title, ArticleDocument.title)
        .join(Article, Article.id == ArticleDocument.article_id)
        .where(ArticleDocument.document_id.in_(list(found)))
        .order_by(ArticleDocument.document_id, ArticleDocument.first_seen_at, ArticleDocument.id)
    )
    for document_id, url, title, link_title in links:
        found[document_id].articles.append(LinkingArticle(url, title, link_title))
    return list(found.values())

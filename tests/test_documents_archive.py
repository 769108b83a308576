"""The archive's documents: links from articles, versions by content, removals, text; and the
folder that keeps files by content. SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.articles import save_article
from archive.document_store import DocumentStore, default_documents_dir
from archive.documents import (
    DocumentFetch,
    ExtractedPart,
    Extraction,
    FetchOutcome,
    StoredFile,
    TextStatus,
    document_checks,
    files_to_extract,
    record_extraction,
    record_fetch,
)
from archive.models import ArticleDocument, Document, DocumentFile, DocumentPart, DocumentVersion
from tests.support.records import NOVOSTI, article_record

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DECREE = "https://www.smoladmin.ru/upload/iblock/1a2/postanovlenie-123.pdf"
PLAN = "https://www.smoladmin.ru/upload/iblock/3b4/plan.docx"
A = StoredFile("a" * 64, 1200, "pdf")
B = StoredFile("b" * 64, 1500, "pdf")


def fetched(
    outcome: FetchOutcome, at: datetime, file: StoredFile | None = None, **more
) -> DocumentFetch:
    return DocumentFetch(url=DECREE, fetched_at=at, outcome=outcome, file=file, **more)


def test_an_article_links_its_documents_once_and_keeps_the_link_when_it_is_gone(
    sessions: sessionmaker[Session],
) -> None:
    links = [{"url": DECREE, "title": "Постановление № 123"}, {"url": PLAN, "title": "План"}]
    with sessions.begin() as session:
        save_article(session, article_record(f"{NOVOSTI}a", attachments=links), None)
        save_article(session, article_record(f"{NOVOSTI}b", attachments=links[:1]), None)
    later = T0 + timedelta(days=400)
    with sessions.begin() as session:
        record = article_record(f"{NOVOSTI}a", attachments=links[1:], fetched_at=later)
        save_article(session, record, None)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 2
        rows = session.execute(
            select(Document.url, ArticleDocument.title, ArticleDocument.last_seen_at)
            .join(ArticleDocument, ArticleDocument.document_id == Document.id)
            .order_by(Document.url, ArticleDocument.last_seen_at)
        ).all()
    first = article_record("x").fetched_at
    assert rows == [
        (DECREE, "Постановление № 123", first),
        (DECREE, "Постановление № 123", first),
        (PLAN, "План", later),
    ]


def test_a_replaced_file_keeps_both_versions_and_a_return_is_no_third(
    sessions: sessionmaker[Session],
) -> None:
    steps = [
        (fetched(FetchOutcome.NEW, T0, A, etag='"1"'), FetchOutcome.NEW),
        (
            fetched(FetchOutcome.UNCHANGED, T0 + timedelta(days=30), status=304),
            FetchOutcome.UNCHANGED,
        ),
        (fetched(FetchOutcome.NEW, T0 + timedelta(days=60), B), FetchOutcome.CHANGED),
        (fetched(FetchOutcome.NEW, T0 + timedelta(days=90), B), FetchOutcome.UNCHANGED),
        (fetched(FetchOutcome.NEW, T0 + timedelta(days=120), A), FetchOutcome.CHANGED),
    ]
    for fetch, expected in steps:
        with sessions.begin() as session:
            assert record_fetch(session, fetch) is expected
    with sessions() as session:
        versions = session.execute(
            select(
                DocumentVersion.sha256, DocumentVersion.first_seen_at, DocumentVersion.last_seen_at
            ).order_by(DocumentVersion.first_seen_at)
        ).all()
        assert versions == [
            (A.sha256, T0, T0 + timedelta(days=120)),
            (B.sha256, T0 + timedelta(days=60), T0 + timedelta(days=90)),
        ]
        assert session.scalar(select(func.count()).select_from(DocumentFile)) == 2
        current = session.scalar(select(Document))
        assert current is not None
        assert (current.sha256, current.etag) == (A.sha256, None)


def test_a_removal_is_recorded_once_and_undone_when_the_site_serves_it_again(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        record_fetch(session, fetched(FetchOutcome.NEW, T0, A))
    for day in (10, 20):
        with sessions.begin() as session:
            gone = fetched(FetchOutcome.REMOVED, T0 + timedelta(days=day), status=404)
            assert record_fetch(session, gone) is FetchOutcome.REMOVED
    with sessions() as session:
        assert session.scalar(select(Document.removed_at)) == T0 + timedelta(days=10)
        assert session.scalar(select(Document.sha256)) == A.sha256  # the file stays
    with sessions.begin() as session:
        record_fetch(session, fetched(FetchOutcome.NEW, T0 + timedelta(days=30), A))
    with sessions() as session:
        assert session.scalar(select(Document.removed_at)) is None


def test_a_link_that_never_served_a_document_is_a_failure_not_a_removal(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        gone = fetched(FetchOutcome.REMOVED, T0, status=404, error="HTTP 404")
        assert record_fetch(session, gone) is FetchOutcome.FAILED
        html = fetched(FetchOutcome.FAILED, T0, status=200, error="an HTML page, not a document")
        record_fetch(session, html)
    with sessions() as session:
        row = session.scalar(select(Document))
        assert row is not None
        assert (row.removed_at, row.sha256, row.failure) == (
            None,
            None,
            "an HTML page, not a document",
        )
        check = document_checks(session)[DECREE]
    assert not check.due(T0 + timedelta(hours=2), timedelta(days=30), retry=timedelta(hours=20))
    assert check.due(T0 + timedelta(days=1), timedelta(days=30), retry=timedelta(hours=20))


def test_a_kept_document_is_checked_again_on_the_revisit_schedule(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        record_fetch(session, fetched(FetchOutcome.NEW, T0, A, etag='"v1"', last_modified="Mon"))
    with sessions() as session:
        check = document_checks(session)[DECREE]
    assert (check.etag, check.last_modified, check.kept) == ('"v1"', "Mon", True)
    assert not check.due(T0 + timedelta(days=29), timedelta(days=30), timedelta(hours=20))
    assert check.due(T0 + timedelta(days=30), timedelta(days=30), timedelta(hours=20))
    assert not check.due(T0 + timedelta(days=900), None, timedelta(hours=20))


def test_extracted_text_is_stored_by_page_and_a_failed_reread_keeps_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        record_fetch(session, fetched(FetchOutcome.NEW, T0, A))
        assert [row.sha256 for row in files_to_extract(session, [TextStatus.WAITING])] == [A.sha256]
        read = Extraction(
            status=TextStatus.OCR_WAITING,
            method="text-layer",
            pages=2,
            parts=[
                ExtractedPart("Постановление", "text-layer", page=1),
                ExtractedPart("", "ocr-waiting", page=2, note="no text layer"),
            ],
        )
        assert record_extraction(session, A.sha256, read, T0)
    with sessions.begin() as session:
        failed = Extraction(status=TextStatus.FAILED, method=None, pages=None, failure="killed")
        assert not record_extraction(session, A.sha256, failed, T0 + timedelta(days=1))
    with sessions() as session:
        stored = session.get(DocumentFile, A.sha256)
        assert stored is not None
        assert (stored.text_status, stored.pages, stored.characters) == ("ocr-waiting", 2, 13)
        pages = session.execute(
            select(DocumentPart.page, DocumentPart.text).order_by(DocumentPart.position)
        ).all()
        assert pages == [(1, "Постановление"), (2, "")]


def test_the_store_keeps_a_content_once_under_its_digest(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    kept = []
    for _ in range(2):
        with store.incoming() as incoming:
            incoming.write(b"%PDF-1.4 ")
            incoming.write(b"body")
            kept.append(store.keep(incoming))
    with pytest.raises(ValueError, match="not a sha256"):
        store.path_of("../../etc/passwd")
    assert kept[0] == kept[1]
    assert kept[0].read_bytes() == b"%PDF-1.4 body"
    name = kept[0].name
    assert kept[0].relative_to(tmp_path / "documents") == Path(name[:2], name[2:4], name)
    assert list((tmp_path / "documents" / ".partial").iterdir()) == []


def test_an_interrupted_download_leaves_no_file(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)

    def interrupted_download() -> None:
        with store.incoming() as incoming:
            incoming.write(b"%PDF-1.4 half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_download()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_documents_live_beside_a_sqlite_archive_and_in_data_for_a_server() -> None:
    assert default_documents_dir("sqlite:////srv/news/archive.sqlite3") == Path(
        "/srv/news/documents"
    )
    assert default_documents_dir("sqlite:///data/citynews.sqlite3") == Path("data/documents")
    assert default_documents_dir("postgresql+psycopg://u@h/news") == Path("data/documents")

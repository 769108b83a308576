"""Search in the text of the documents articles link: which document and page matched, the
--in scope, word forms, re-read documents, the rebuilt index; SQLite and PostgreSQL alike."""

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from archive.articles import save_article
from archive.db import create_archive_engine, open_archive, session_scope, upgrade
from archive.document_store import DocumentStore
from archive.documents import (
    DocumentFetch,
    ExtractedPart,
    Extraction,
    FetchOutcome,
    StoredFile,
    TextStatus,
    record_extraction,
    record_fetch,
)
from archive.models import Article, ArticleDocument, Document, DocumentFile, DocumentPart
from archive.search.index import CHUNK_OVERLAP, CHUNK_WORDS
from citynews.cli import main
from scraper.document_text import extract_stored
from tests.support import documents as make
from tests.support.records import MSK, NOVOSTI, article_record, article_row
from tests.test_one_clock import datasette_rows

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
FILES = "https://www.smoladmin.ru/upload/"
DECREE_URL = FILES + "postanovlenie-245.pdf"
DECREE = StoredFile("d" * 64, 52_000, "pdf")
DECREE_PAGES = (
    "Администрация города Смоленска. Проект планировки территории.",
    "Постановление № 245 об утверждении проекта межевания территории в границах улицы "
    "Нахимова и проспекта Гагарина.",
)
HEARINGS = NOVOSTI + "publichnye-slushaniya"  # its text never names the decree's words
TOS = "https://www.smoladmin.ru/press-centr/novosti-tos/slushaniya-tos"  # links the decree too
OWN_TEXT = NOVOSTI + "mezhevanie"  # says "межевания" in its own text, links no document


def keep_document(
    session: Session, url: str, stored: StoredFile, pages: tuple[str, ...], at: datetime = T0
) -> None:
    """The site served this file at url, and extraction read these pages from it."""
    record_fetch(session, DocumentFetch(url, at, FetchOutcome.NEW, stored))
    read(session, stored, pages, at)


def read(
    session: Session,
    stored: StoredFile,
    pages: tuple[str, ...],
    at: datetime,
    status: TextStatus = TextStatus.EXTRACTED,
) -> None:
    parts = [ExtractedPart(text, "text-layer", page=number) for number, text in enumerate(pages, 1)]
    assert record_extraction(
        session, stored.sha256, Extraction(status, "text-layer", len(pages), parts), at
    )


@pytest.fixture
def archive(db_url: str) -> str:
    return archive_of_hearings(db_url)


def archive_of_hearings(db_url: str) -> str:
    """Two articles linking a decree (its words on page 2), one saying a word of it itself."""
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(
            session,
            article_record(
                HEARINGS,
                title="Публичные слушания",
                body_text="Приглашаем жителей на слушания. Документ прилагается.",
                attachments=[{"url": DECREE_URL, "title": "Постановление о слушаниях"}],
                published_at=datetime(2025, 12, 1, 12, 0, tzinfo=MSK),
            ),
            None,
        )
        save_article(
            session,
            article_record(
                TOS,
                section="novosti-tos",
                title="Слушания в ТОС",
                body_text="Жители обсудят документ.",
                attachments=[{"url": DECREE_URL, "title": "Постановление"}],
                published_at=datetime(2025, 12, 2, 12, 0, tzinfo=MSK),
            ),
            None,
        )
        save_article(
            session,
            article_record(
                OWN_TEXT,
                title="Итоги недели",
                body_text="Завершён проект межевания в Заднепровском районе.",
                published_at=datetime(2025, 11, 1, 12, 0, tzinfo=MSK),
            ),
            None,
        )
        keep_document(session, DECREE_URL, DECREE, DECREE_PAGES)
    sessions.kw["bind"].dispose()
    return db_url


def search_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    assert main(["search", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_article_found_by_its_pdfs_second_page_says_which_document_and_page(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    found = search_json(capsys, "Нахимова", "--section", "novosti", "--db", archive)
    assert len(found) == 1
    [hit] = found
    assert hit["url"] == HEARINGS
    assert hit["matched_in"] == "document"
    assert hit["document_url"] == DECREE_URL
    assert hit["document_title"] == "Постановление о слушаниях"
    assert hit["document_page"] == 2
    assert hit["document_removed_at"] is None
    assert "Нахимова" in hit["snippet"]
    assert "Гагарина" in hit["snippet"]  # the snippet comes from that page, not the article

    assert main(["search", "Нахимова", "--section", "novosti", "--db", archive]) == 0
    table = capsys.readouterr().out
    assert f"in the document «Постановление о слушаниях», page 2: {DECREE_URL}" in table
    assert "улицы Нахимова и проспекта" in table


def test_in_articles_documents_or_all(archive: str, capsys: pytest.CaptureFixture[str]) -> None:
    def urls(*args: str) -> list[str]:
        return [hit["url"] for hit in search_json(capsys, "межевания", *args, "--db", archive)]

    assert urls("--in", "articles") == [OWN_TEXT]
    # the newer article first among equally relevant matches of the same page
    assert urls("--in", "documents") == [TOS, HEARINGS]
    assert urls("--in", "all") == [OWN_TEXT, TOS, HEARINGS]  # own text first
    assert urls() == [OWN_TEXT, TOS, HEARINGS]  # all is the default
    found = search_json(capsys, "межевания", "--db", archive)
    assert [hit["matched_in"] for hit in found] == ["article", "document", "document"]
    assert found[0]["document_url"] is None
    assert found[0]["document_page"] is None


def test_filters_apply_to_the_linking_article(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tos = search_json(capsys, "Нахимова", "--section", "novosti-tos", "--db", archive)
    assert [(hit["url"], hit["document_title"]) for hit in tos] == [(TOS, "Постановление")]
    early = search_json(capsys, "межевания", "--until", "2025-12-01", "--db", archive)
    assert [hit["url"] for hit in early] == [OWN_TEXT, HEARINGS]


def test_word_forms_match_in_documents(archive: str, capsys: pytest.CaptureFixture[str]) -> None:
    # "Постановление № 245" on page 2; page 1 says "Проект планировки"
    for query in ("постановления", "постановлением", '"проекта межевания"'):
        found = search_json(capsys, query, "--in", "documents", "--db", archive)
        assert [(hit["url"], hit["document_page"]) for hit in found] == [
            (TOS, 2),
            (HEARINGS, 2),
        ], query
    on_first_page = search_json(capsys, "планировки", "--in", "documents", "--db", archive)
    assert {hit["document_page"] for hit in on_first_page} == {1}


def test_every_word_must_match_within_one_page(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # "Смоленска" is on page 1 only, "Нахимова" on page 2 only
    assert search_json(capsys, "Смоленска Нахимова", "--in", "documents", "--db", archive) == []
    both = search_json(capsys, "Нахимова Гагарина", "--in", "documents", "--db", archive)
    assert len(both) == 2


def test_limit_counts_the_articles_found_by_documents(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "межевания", "--limit", "2", "--db", archive]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == "2 of 3 matches (use --limit)"
    assert main(["search", "межевания", "--in", "documents", "--limit", "1", "--db", archive]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-1] == "1 of 2 matches (use --limit)"
    assert main(["search", "межевания", "--in", "articles", "--limit", "1", "--db", archive]) == 0
    assert "matches (use --limit)" not in capsys.readouterr().out


def test_csv_has_the_document_fields(archive: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "Нахимова", "--format", "csv", "--db", archive]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert [(row["url"], row["matched_in"], row["document_page"]) for row in rows] == [
        (TOS, "document", "2"),
        (HEARINGS, "document", "2"),
    ]
    assert rows[1]["document_url"] == DECREE_URL


def test_a_document_read_again_replaces_its_entries(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    scan_url = FILES + "protokol-7.pdf"
    scan = StoredFile("5" * 64, 900_000, "pdf")
    sessions = open_archive(archive)
    with session_scope(sessions) as session:
        save_article(
            session,
            article_record(
                NOVOSTI + "protokol",
                title="Протокол",
                body_text="Опубликован протокол.",
                attachments=[{"url": scan_url, "title": "Протокол № 7"}],
            ),
            None,
        )
        # the text layer of a scan: noise, and the page waits for OCR
        record_fetch(session, DocumentFetch(scan_url, T0, FetchOutcome.NEW, scan))
        read(session, scan, ("Ghjnjrjk jlj,hbnm", ""), T0, TextStatus.OCR_WAITING)
    found = search_json(capsys, "Ghjnjrjk", "--db", archive)
    assert [hit["url"] for hit in found] == [NOVOSTI + "protokol"]
    assert search_json(capsys, "сквера", "--db", archive) == []

    with session_scope(sessions) as session:  # OCR reads it later
        read(session, scan, ("Протокол общественных обсуждений", "Одобрить благоустройство сквера"),
             T0 + timedelta(days=1))  # fmt: skip
    sessions.kw["bind"].dispose()
    assert search_json(capsys, "Ghjnjrjk", "--db", archive) == []
    [hit] = search_json(capsys, "скверы", "--db", archive)
    assert (hit["url"], hit["document_title"], hit["document_page"]) == (
        NOVOSTI + "protokol",
        "Протокол № 7",
        2,
    )


def test_the_version_a_url_serves_now_is_searched_and_a_removed_one_still_is(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    corrected = StoredFile("e" * 64, 53_000, "pdf")
    sessions = open_archive(archive)
    with session_scope(sessions) as session:
        record_fetch(
            session,
            DocumentFetch(DECREE_URL, T0 + timedelta(days=5), FetchOutcome.CHANGED, corrected),
        )
        read(session, corrected, ("Постановление № 245 в новой редакции: улица Кирова.",),
             T0 + timedelta(days=5))  # fmt: skip
    assert search_json(capsys, "Нахимова", "--in", "documents", "--db", archive) == []
    found = search_json(capsys, "Кирова", "--in", "documents", "--db", archive)
    assert [(hit["url"], hit["document_page"]) for hit in found] == [(TOS, 1), (HEARINGS, 1)]

    removed_at = T0 + timedelta(days=9)
    with session_scope(sessions) as session:
        record_fetch(
            session, DocumentFetch(DECREE_URL, removed_at, FetchOutcome.REMOVED, status=404)
        )
    sessions.kw["bind"].dispose()
    found = search_json(capsys, "Кирова", "--in", "documents", "--db", archive)
    assert [hit["url"] for hit in found] == [TOS, HEARINGS]
    assert {hit["document_removed_at"] for hit in found} == {removed_at.astimezone(MSK).isoformat()}
    assert main(["search", "Кирова", "--in", "documents", "--db", archive]) == 0
    assert "(removed from the site 2026-01-19)" in capsys.readouterr().out


def test_reindex_rebuilds_the_documents_entries(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "reindex", "--db", archive]) == 0
    assert capsys.readouterr().out == "indexed 3 articles and 2 pages of documents\n"
    found = search_json(capsys, "постановления", "--in", "documents", "--db", archive)
    assert [(hit["url"], hit["document_page"]) for hit in found] == [(TOS, 2), (HEARINGS, 2)]


def test_upgrading_an_archive_indexes_the_document_text_it_already_holds(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_archive_engine(db_url)
    upgrade(engine, "0010")
    with Session(engine) as session, session.begin():
        session.add(
            Article(
                **article_row(
                    1, "novosti", "Слушания", "Документ прилагается.", T0 - timedelta(days=3), 5
                )
            )
        )
        session.add(Document(url=DECREE_URL, first_seen_at=T0, sha256=DECREE.sha256))
        session.add(
            DocumentFile(
                sha256=DECREE.sha256,
                size=DECREE.size,
                kind="pdf",
                stored_at=T0,
                text_status="extracted",
                notes=[],
            )
        )
        session.flush()
        session.add(
            ArticleDocument(
                article_id=1, document_id=1, title="Постановление", first_seen_at=T0,
                last_seen_at=T0,
            )
        )  # fmt: skip
        session.add_all(
            DocumentPart(sha256=DECREE.sha256, position=n, page=n + 1, method="text-layer", text=t)
            for n, t in enumerate(DECREE_PAGES)
        )
    upgrade(engine)
    engine.dispose()
    [hit] = search_json(capsys, "межевания", "--db", db_url)
    assert (hit["url"], hit["document_page"]) == (f"{NOVOSTI}novost-1", 2)


def test_a_sheet_of_any_length_is_searchable_to_its_end(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 80,000 cadastral numbers: more distinct words than one PostgreSQL tsvector can hold
    numbers = [f"{number:07d}" for number in range(80_000)]
    across = CHUNK_WORDS - CHUNK_OVERLAP // 2  # a phrase where the first chunk ends
    words = [*numbers[:across], "охранная", "зона", *numbers[across:], "красные", "линии"]
    registry_url = FILES + "reestr.xlsx"
    registry = StoredFile("7" * 64, 2_000_000, "xlsx")
    sessions = open_archive(archive)
    with session_scope(sessions) as session:
        save_article(
            session,
            article_record(
                NOVOSTI + "reestr",
                title="Реестр участков",
                body_text="Опубликован реестр.",
                attachments=[{"url": registry_url, "title": "Реестр"}],
            ),
            None,
        )
        record_fetch(session, DocumentFetch(registry_url, T0, FetchOutcome.NEW, registry))
        sheets = [ExtractedPart("Итого участков: 80000", "calamine", sheet="Итоги"),
                  ExtractedPart(" ".join(words), "calamine", sheet="Участки")]  # fmt: skip
        read_registry = Extraction(TextStatus.EXTRACTED, "calamine", None, sheets)
        assert record_extraction(session, registry.sha256, read_registry, T0)
    sessions.kw["bind"].dispose()
    for query in ('"красные линии"', '"охранной зоны"', "0079999"):
        found = search_json(capsys, query, "--in", "documents", "--db", archive)
        assert [(hit["url"], hit["document_sheet"]) for hit in found] == [
            (NOVOSTI + "reestr", "Участки")
        ], query
        assert found[0]["document_page"] is None


def test_datasette_searches_the_documents_text(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite3"  # Datasette serves SQLite (PostgreSQL as its export)
    archive_of_hearings(f"sqlite:///{path}")
    rows = datasette_rows(path, "search_documents", q="постановления", since="", until="")
    assert [(row["url"], row["document_title"], row["page"]) for row in rows] == [
        (TOS, "Постановление", 2),
        (HEARINGS, "Постановление о слушаниях", 2),
    ]
    assert rows[0]["document_url"] == DECREE_URL
    assert rows[0]["snippet"].startswith("Постановление № 245 об утверждении проекта межевания")
    early = datasette_rows(path, "search_documents", q='"проекта межевания"', since="",
                           until="2025-12-01")  # fmt: skip
    assert [row["url"] for row in early] == [HEARINGS]


def test_a_pdf_read_from_the_store_is_found_by_its_second_page(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make.text_pdf([[DECREE_PAGES[0]], [DECREE_PAGES[1]]])
    stored = StoredFile(hashlib.sha256(data).hexdigest(), len(data), "pdf")
    documents = tmp_path / "documents"
    kept = DocumentStore(documents).path_of(stored.sha256)
    kept.parent.mkdir(parents=True)
    make.write(kept, data)
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(
            session,
            article_record(
                HEARINGS,
                title="Публичные слушания",
                body_text="Приглашаем жителей на слушания.",
                attachments=[{"url": DECREE_URL, "title": "Постановление о слушаниях"}],
            ),
            None,
        )
        record_fetch(session, DocumentFetch(DECREE_URL, T0, FetchOutcome.NEW, stored))
    sessions.kw["bind"].dispose()
    assert search_json(capsys, "межевания", "--db", db_url) == []
    summary = extract_stored(db_url, documents, workers=1)
    assert summary.failures == []
    [hit] = search_json(capsys, "межевания", "--db", db_url)
    assert (hit["url"], hit["matched_in"], hit["document_page"]) == (HEARINGS, "document", 2)

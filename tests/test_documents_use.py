"""The documents for people: `citynews documents` lists and filters them, `documents extract`
reads the stored files' text, `show`, `export` and `report` name them, Datasette serves them.
Archives on SQLite and PostgreSQL, filled through the archive's API, with real files made in
the tests kept in a real document folder."""

import json
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.articles import save_article
from archive.db import open_archive, session_scope
from archive.document_store import DocumentStore
from archive.documents import DocumentFetch, FetchOutcome, StoredFile, record_fetch
from citynews.document_views import DOCUMENT_FIELDS
from tests.support.cli import one_line_error, run_citynews, run_main
from tests.support.documents import (
    DECREE,
    PLOTS,
    PROTOCOL,
    char_f1,
    docx,
    encrypted_pdf,
    joined,
    scanned_pdf,
    text_pdf,
    xlsx,
)
from tests.support.records import NOVOSTI, article_record
from tests.test_locks import another_process
from tests.test_one_clock import datasette_get, datasette_rows

MSK = ZoneInfo("Europe/Moscow")
UPLOAD = "https://www.smoladmin.ru/upload/iblock/"
HEARINGS = "https://www.smoladmin.ru/gostyam-i-zhitelyam/publichnye-slushaniya/"
NEWS = f"{NOVOSTI}slushaniya-po-proektu-planirovki"
HEARING = f"{HEARINGS}14-03-2025-publichnye-slushaniya"
DECREE_URL = f"{UPLOAD}1a2/postanovlenie-123.pdf"
PROTOCOL_URL = f"{UPLOAD}3b4/protokol-7.docx"
PLOTS_URL = f"{UPLOAD}5c6/perechen-uchastkov.xlsx"
NEVER_URL = f"{UPLOAD}7d8/prilozhenie.pdf"
BROKEN_URL = f"{UPLOAD}9e0/zaklyuchenie.pdf"
LOCKED_URL = f"{UPLOAD}af1/materialy.pdf"
PUBLISHED_NEWS = datetime(2025, 2, 20, 12, 0, tzinfo=MSK)
PUBLISHED_HEARING = datetime(2025, 3, 14, 9, 30, tzinfo=MSK)
SEEN_AT = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)  # 13:00 MSK: both articles fetched
KEPT_AT = datetime(2025, 3, 15, 6, 0, tzinfo=UTC)  # 09:00 MSK
REMOVED_AT = datetime(2025, 4, 2, 7, 0, tzinfo=UTC)  # 10:00 MSK
HTML_PAGE = "an HTML page, not a document"


@dataclass(frozen=True)
class Archive:
    db_url: str
    folder: Path  # the documents folder
    files: dict[str, StoredFile]  # by document URL


def keep(store: DocumentStore, data: bytes, kind: str) -> StoredFile:
    """Keep a file in the folder as a crawl does; what the archive records of it."""
    with store.incoming() as incoming:
        incoming.write(data)
        store.keep(incoming)
    return StoredFile(incoming.sha256, incoming.size, kind)


def fill_archive(db_url: str, folder: Path) -> Archive:
    """A news article and a hearing announcement linking six documents: a decree both link
    (a PDF), a protocol (DOCX), a list of plots (XLSX) later removed, a password-protected PDF,
    one never fetched and one whose URL served an HTML page."""
    store = DocumentStore(folder)
    files = {
        DECREE_URL: keep(store, text_pdf([DECREE[:2], DECREE[2:]]), "pdf"),
        PROTOCOL_URL: keep(store, docx(PROTOCOL), "docx"),
        PLOTS_URL: keep(store, xlsx(PLOTS), "xlsx"),
        LOCKED_URL: keep(store, encrypted_pdf(DECREE), "pdf"),
    }
    news_links = [
        {"url": DECREE_URL, "title": "Постановление № 123"},
        {"url": PROTOCOL_URL, "title": "Протокол № 7"},
        {"url": NEVER_URL, "title": "Приложение"},
    ]
    hearing_links = [
        {"url": DECREE_URL, "title": "Постановление о слушаниях"},
        {"url": PLOTS_URL, "title": "Перечень участков"},
        {"url": BROKEN_URL, "title": "Заключение"},
        {"url": LOCKED_URL, "title": "Материалы проекта"},
    ]
    sessions = open_archive(db_url)
    try:
        with session_scope(sessions) as session:
            news = article_record(
                NEWS,
                title="Публичные слушания по проекту планировки",
                published_at=PUBLISHED_NEWS,
                fetched_at=SEEN_AT,
                attachments=news_links,
            )
            hearing = article_record(
                HEARING,
                section="publichnye-slushaniya",
                title="14.03.2025 Публичные слушания",
                published_at=PUBLISHED_HEARING,
                fetched_at=SEEN_AT,
                attachments=hearing_links,
            )
            save_article(session, news, None)
            save_article(session, hearing, None)
        with session_scope(sessions) as session:
            for url, stored in files.items():
                record_fetch(session, DocumentFetch(url, KEPT_AT, FetchOutcome.NEW, stored))
            failed = DocumentFetch(
                BROKEN_URL, KEPT_AT, FetchOutcome.FAILED, status=200, error=HTML_PAGE
            )
            record_fetch(session, failed)
        with session_scope(sessions) as session:
            gone = DocumentFetch(PLOTS_URL, REMOVED_AT, FetchOutcome.REMOVED, status=404)
            record_fetch(session, gone)
    finally:
        sessions.kw["bind"].dispose()
    return Archive(db_url, folder, files)


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> Archive:
    return fill_archive(db_url, tmp_path / "documents")


def extract(archive: Archive, cwd: Path, *more: str):  # type: ignore[no-untyped-def]
    return run_main(
        "documents",
        "extract",
        "--db",
        archive.db_url,
        "--documents-dir",
        str(archive.folder),
        *more,
        cwd=cwd,
    )


def listed(archive: Archive, cwd: Path, *filters: str) -> list[dict]:
    result = run_main(
        "documents",
        "--db",
        archive.db_url,
        "--documents-dir",
        str(archive.folder),
        "--format",
        "json",
        "--limit",
        "0",
        *filters,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    rows: list[dict] = json.loads(result.stdout)
    return rows


def links(rows: list[dict]) -> set[tuple[str, str]]:
    """(article, document) of listed rows, by the last part of their URLs."""
    return {(row["article_url"].rsplit("/", 1)[-1], row["url"].rsplit("/", 1)[-1]) for row in rows}


# citynews documents extract ---------------------------------------------------------------


def test_extract_reads_every_stored_file_once_and_the_list_shows_each_state(
    archive: Archive, tmp_path: Path
) -> None:
    before = {row["url"]: row["text_status"] for row in listed(archive, tmp_path)}
    assert before[DECREE_URL] == before[PROTOCOL_URL] == "waiting"

    result = extract(archive, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "read 4 file(s): 3 extracted, 0 waiting for OCR, 1 failed, 0 missing "
        "(why: citynews documents --status failed)\n"
    )

    rows = {(row["article_url"], row["url"]): row for row in listed(archive, tmp_path)}
    assert len(rows) == 7
    store = DocumentStore(archive.folder)
    decree = rows[NEWS, DECREE_URL]
    assert {key: decree[key] for key in ("title", "type", "pages", "text_status")} == {
        "title": "Постановление № 123",
        "type": "pdf",
        "pages": 2,
        "text_status": "extracted",
    }
    assert decree["size"] == archive.files[DECREE_URL].size
    assert decree["path"] == str(store.path_of(archive.files[DECREE_URL].sha256))
    assert Path(decree["path"]).is_file()
    assert decree["article_title"] == "Публичные слушания по проекту планировки"
    assert decree["article_published_at"] == "2025-02-20T12:00:00+03:00"
    assert rows[HEARING, DECREE_URL]["title"] == "Постановление о слушаниях"
    assert rows[HEARING, DECREE_URL]["sha256"] == decree["sha256"]
    assert rows[NEWS, PROTOCOL_URL]["text_status"] == "extracted"
    plots = rows[HEARING, PLOTS_URL]
    assert (plots["text_status"], plots["removed_at"]) == ("extracted", "2025-04-02T07:00:00+00:00")
    locked = rows[HEARING, LOCKED_URL]
    assert locked["text_status"] == "failed"
    assert "password" in locked["failure"]
    never = rows[NEWS, NEVER_URL]
    assert (never["text_status"], never["type"], never["path"]) == ("not-fetched", None, None)
    broken = rows[HEARING, BROKEN_URL]
    assert (broken["text_status"], broken["failure"], broken["sha256"]) == (
        "fetch-failed",
        HTML_PAGE,
        None,
    )

    again = extract(archive, tmp_path)
    assert (again.returncode, again.stdout) == (0, "no documents wait for their text\n")
    retried = extract(archive, tmp_path, "--retry-failed")
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.startswith("read 1 file(s): 0 extracted, 0 waiting for OCR, 1 failed")


def test_extract_names_the_folder_when_a_stored_file_is_missing_and_reads_the_others(
    archive: Archive, tmp_path: Path
) -> None:
    DocumentStore(archive.folder).path_of(archive.files[PROTOCOL_URL].sha256).unlink()
    result = extract(archive, tmp_path)
    one_line_error(result, 1, f"1 stored file(s) the archive records are not in {archive.folder}")
    assert "3 extracted" not in result.stdout
    assert result.stdout.startswith("read 4 file(s): 2 extracted, 0 waiting for OCR, 1 failed")
    statuses = {row["url"]: row for row in listed(archive, tmp_path)}
    assert statuses[DECREE_URL]["text_status"] == "extracted"
    assert statuses[PROTOCOL_URL]["text_status"] == "waiting"
    assert statuses[PROTOCOL_URL]["path"] is None


def test_extract_waits_for_a_command_that_holds_the_archive(
    archive: Archive, tmp_path: Path
) -> None:
    with another_process(archive.db_url, "crawl") as pid:
        result = extract(archive, tmp_path)
    one_line_error(result, 75, f"another crawl is running on this archive (pid {pid}")
    assert {row["text_status"] for row in listed(archive, tmp_path, "--type", "docx")} == {
        "waiting"
    }


def test_extract_creates_no_archive(tmp_path: Path) -> None:
    missing = tmp_path / "data" / "archive.sqlite3"
    result = run_main("documents", "extract", "--db", f"sqlite:///{missing}", cwd=tmp_path)
    one_line_error(result, 2, "no archive at")
    assert list(tmp_path.iterdir()) == []


def test_without_tesseract_scans_wait_for_ocr_said_once_and_a_later_run_reads_them(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    folder = tmp_path / "documents"
    store = DocumentStore(folder)
    scans = [
        keep(store, scanned_pdf([DECREE[:1]]), "pdf"),
        keep(store, scanned_pdf([PROTOCOL[:1]]), "pdf"),
    ]
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        attachments = [{"url": f"{UPLOAD}scan-{n}.pdf", "title": f"Скан {n}"} for n in (1, 2)]
        save_article(session, article_record(NEWS, attachments=attachments), None)
        for n, stored in enumerate(scans, start=1):
            fetch = DocumentFetch(f"{UPLOAD}scan-{n}.pdf", KEPT_AT, FetchOutcome.NEW, stored)
            record_fetch(session, fetch)
    sessions.kw["bind"].dispose()
    no_tesseract = tmp_path / "bin"  # only this Python on the PATH: no tesseract
    no_tesseract.mkdir()
    os.symlink(sys.executable, no_tesseract / "python3")
    command = ["documents", "extract", "--db", db_url, "--documents-dir", str(folder)]
    first = run_citynews(*command, cwd=tmp_path, env={"PATH": str(no_tesseract)})
    assert first.returncode == 0, first.stderr
    assert first.stdout == "read 2 file(s): 0 extracted, 2 waiting for OCR, 0 failed, 0 missing\n"
    warnings = first.stderr.splitlines()
    assert len(warnings) == 1, first.stderr
    assert warnings[0].startswith("citynews: warning: Tesseract is not installed")
    assert "pages of 2 file(s) wait for OCR" in warnings[0]

    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed here: the later run cannot read the scans")
    later = run_main(*command, cwd=tmp_path)
    assert (later.returncode, later.stderr) == (0, "")
    assert later.stdout.startswith("read 2 file(s): 2 extracted")
    texts = export_texts(db_url, folder, tmp_path)
    assert char_f1(DECREE[0], texts[f"{UPLOAD}scan-1.pdf"]) >= 0.9


def export_texts(db_url: str, folder: Path, cwd: Path) -> dict[str, str]:
    result = run_main(
        "export", "--format", "json", "--out", "-", "--with-document-text", "--db", db_url, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return {
        document["url"]: document["text"]
        for record in json.loads(result.stdout)
        for document in record["documents"]
    }


# citynews documents -----------------------------------------------------------------------

FILTERS = [
    (
        ["--section", "publichnye-slushaniya"],
        {"postanovlenie-123.pdf", "perechen-uchastkov.xlsx", "zaklyuchenie.pdf", "materialy.pdf"},
        {"14-03-2025-publichnye-slushaniya"},
    ),
    (
        ["--section", "novosti", "--section", "publichnye-slushaniya", "--type", "docx"],
        {"protokol-7.docx"},
        {"slushaniya-po-proektu-planirovki"},
    ),
    (
        ["--since", "2025-03-14"],
        {"postanovlenie-123.pdf", "perechen-uchastkov.xlsx", "zaklyuchenie.pdf", "materialy.pdf"},
        {"14-03-2025-publichnye-slushaniya"},
    ),
    (
        ["--until", "2025-03-13"],
        {"postanovlenie-123.pdf", "protokol-7.docx", "prilozhenie.pdf"},
        {"slushaniya-po-proektu-planirovki"},
    ),
    (["--type", "pdf", "--until", "2025-02-20"], {"postanovlenie-123.pdf"}, None),
    (["--type", "xlsx", "--type", "docx"], {"perechen-uchastkov.xlsx", "protokol-7.docx"}, None),
    (["--status", "not-fetched"], {"prilozhenie.pdf"}, None),
    (
        ["--status", "fetch-failed", "--status", "not-fetched"],
        {"zaklyuchenie.pdf", "prilozhenie.pdf"},
        None,
    ),
    (["--status", "failed"], {"materialy.pdf"}, None),
    (["--status", "waiting"], set(), None),
    (["--removed"], {"perechen-uchastkov.xlsx"}, None),
    (["--removed", "--section", "novosti"], set(), None),
]


def test_the_list_selects_by_section_date_type_status_and_removal(
    archive: Archive, tmp_path: Path
) -> None:
    assert extract(archive, tmp_path).returncode == 0
    assert len(listed(archive, tmp_path)) == 7
    for filters, documents, articles in FILTERS:
        found = links(listed(archive, tmp_path, *filters))
        assert {document for _, document in found} == documents, filters
        if articles is not None:
            assert {article for article, _ in found} == articles, filters


def test_the_list_is_newest_article_first_and_says_what_a_limit_left_out(
    archive: Archive, tmp_path: Path
) -> None:
    common = ["documents", "--db", archive.db_url, "--documents-dir", str(archive.folder)]
    table = run_main(*common, "--limit", "2", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[-1] == "2 of 7 documents (use --limit)"
    assert table.stdout.count("in: 14.03.2025 Публичные слушания") == 2
    as_json = run_main(*common, "--limit", "2", "--format", "json", cwd=tmp_path)
    assert as_json.stderr == "citynews: 2 of 7 documents (use --limit)\n"
    rows = json.loads(as_json.stdout)
    assert [row["article_url"] for row in rows] == [HEARING, HEARING]
    everything = run_main(*common, "--limit", "7", "--format", "json", cwd=tmp_path)
    assert everything.stderr == ""
    assert [row["article_url"] for row in json.loads(everything.stdout)][-3:] == [NEWS] * 3
    nothing = run_main(*common, "--removed", "--section", "novosti", cwd=tmp_path)
    assert (nothing.returncode, nothing.stdout) == (0, "no documents match\n")


def test_the_table_shows_each_document_for_people_in_the_sites_time(
    archive: Archive, tmp_path: Path
) -> None:
    assert extract(archive, tmp_path).returncode == 0
    result = run_main(
        "documents", "--db", archive.db_url, "--documents-dir", str(archive.folder),
        "--section", "publichnye-slushaniya", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = result.stdout
    decree_path = DocumentStore(archive.folder).path_of(archive.files[DECREE_URL].sha256)
    assert "Постановление о слушаниях\n" in text
    assert f"     {DECREE_URL}\n     file: {decree_path}\n" in text
    plots_size = archive.files[PLOTS_URL].size / 1024
    assert f"xlsx · {plots_size:.1f} KiB · - · extracted · first seen " in text
    assert "REMOVED from the site since 2025-04-02 10:00 MSK" in text
    assert f"why: {HTML_PAGE}" in text
    assert "in: 14.03.2025 Публичные слушания (2025-03-14 09:30 MSK) " + HEARING in text


def test_csv_is_written_like_exports_csv(archive: Archive, tmp_path: Path) -> None:
    result = run_main(
        "documents", "--db", archive.db_url, "--documents-dir", str(archive.folder),
        "--format", "csv", "--status", "not-fetched", "--status", "fetch-failed", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfurl,title,article_url,")
    lines = result.stdout_bytes.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ",".join(DOCUMENT_FIELDS)
    assert lines[1:] == [lines[1], lines[2], ""]
    assert lines[1].startswith(f"{BROKEN_URL},Заключение,{HEARING},")


def test_a_document_dir_the_crawl_did_not_use_shows_the_files_as_missing(
    archive: Archive, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = run_main(
        "documents", "--db", archive.db_url, "--documents-dir", str(elsewhere), "--type", "docx",
        cwd=tmp_path,
    )  # fmt: skip
    sha256 = archive.files[PROTOCOL_URL].sha256
    assert f"file: missing from {elsewhere} ({sha256})" in result.stdout
    assert not elsewhere.exists()
    from_environment = run_main(
        "documents", "--db", archive.db_url, "--type", "docx", cwd=tmp_path,
        env={"CITYNEWS_DOCUMENTS_DIR": str(archive.folder)},
    )  # fmt: skip
    kept = DocumentStore(archive.folder).path_of(sha256)
    assert f"file: {kept}\n" in from_environment.stdout


def test_bad_filters_are_one_line_errors(archive: Archive, tmp_path: Path) -> None:
    common = ["documents", "--db", archive.db_url]
    for bad, words in (
        (["--type", "exe"], "invalid choice: 'exe'"),
        (["--status", "lost"], "invalid choice: 'lost'"),
        (["--section", "nowhere"], "nowhere"),
        (["--since", "2025-13-01"], "expected a date as YYYY-MM-DD"),
        (["--since", "2025-03-02", "--until", "2025-03-01"], "is after --until"),
    ):
        result = run_main(*common, *bad, cwd=tmp_path)
        one_line_error(result, 2, words)


# citynews show ----------------------------------------------------------------------------


def test_show_lists_the_articles_documents_after_the_article(
    archive: Archive, tmp_path: Path
) -> None:
    assert extract(archive, tmp_path).returncode == 0
    result = run_main(
        "show", HEARING, "--db", archive.db_url, "--documents-dir", str(archive.folder),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    article, documents = result.stdout.split("\ndocuments (4):\n")
    assert article.startswith("14.03.2025 Публичные слушания\n")
    store = DocumentStore(archive.folder)
    decree = archive.files[DECREE_URL]
    assert documents.startswith(
        "  Постановление о слушаниях\n"
        f"    pdf · {decree.size / 1024:.1f} KiB · 2 pages · extracted · first seen "
        "2025-03-14 13:00 MSK\n"
        f"    {DECREE_URL}\n"
        f"    file: {store.path_of(decree.sha256)}\n"
        "  Перечень участков\n"
    )
    assert "    REMOVED from the site since 2025-04-02 10:00 MSK\n" in documents
    assert "  Материалы проекта\n    pdf · " in documents
    assert " · failed · " in documents
    assert "  Заключение\n    - · - · - · fetch-failed · " in documents
    assert f"    why: {HTML_PAGE}\n" in documents


def test_show_of_an_article_without_documents_shows_no_documents_part(
    db_url: str, tmp_path: Path
) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(session, article_record(NEWS), None)
    sessions.kw["bind"].dispose()
    result = run_main("show", NEWS, "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "documents" not in result.stdout


# citynews export --------------------------------------------------------------------------


def test_export_gives_each_article_its_documents_and_their_text_on_request(
    archive: Archive, tmp_path: Path
) -> None:
    assert extract(archive, tmp_path).returncode == 0
    plain = run_main(
        "export", "--format", "json", "--out", "-", "--db", archive.db_url, cwd=tmp_path
    )
    assert plain.returncode == 0, plain.stderr
    records = {record["url"]: record for record in json.loads(plain.stdout)}
    decree = archive.files[DECREE_URL]
    assert records[NEWS]["documents"] == [
        {
            "url": DECREE_URL,
            "title": "Постановление № 123",
            "sha256": decree.sha256,
            "type": "pdf",
            "size": decree.size,
            "pages": 2,
            "text_status": "extracted",
        },
        {
            "url": PROTOCOL_URL,
            "title": "Протокол № 7",
            "sha256": archive.files[PROTOCOL_URL].sha256,
            "type": "docx",
            "size": archive.files[PROTOCOL_URL].size,
            "pages": None,
            "text_status": "extracted",
        },
        {
            "url": NEVER_URL,
            "title": "Приложение",
            "sha256": None,
            "type": None,
            "size": None,
            "pages": None,
            "text_status": "not-fetched",
        },
    ]
    assert [d["text_status"] for d in records[HEARING]["documents"]] == [
        "extracted",
        "extracted",
        "fetch-failed",
        "failed",
    ]

    texts = export_texts(archive.db_url, archive.folder, tmp_path)
    assert char_f1(joined(DECREE), texts[DECREE_URL]) >= 0.98
    assert char_f1(joined(PROTOCOL), texts[PROTOCOL_URL]) >= 0.98
    assert "67:27:0020101:15" in texts[PLOTS_URL]
    assert [texts[NEVER_URL], texts[BROKEN_URL], texts[LOCKED_URL]] == [None, None, None]


def test_export_csv_keeps_the_documents_as_json_in_their_cell(
    archive: Archive, tmp_path: Path
) -> None:
    out = tmp_path / "news.csv"
    result = run_main(
        "export", "--format", "csv", "--out", str(out), "--with-document-text",
        "--db", archive.db_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import csv

    with out.open(encoding="utf-8-sig", newline="") as stream:
        rows = {row["url"]: row for row in csv.DictReader(stream)}
    documents = json.loads(rows[NEWS]["documents"])
    assert [d["url"] for d in documents] == [DECREE_URL, PROTOCOL_URL, NEVER_URL]
    assert all("text" in document for document in documents)
    manifest = json.loads((tmp_path / "news.csv.manifest.json").read_text(encoding="utf-8"))
    assert "documents" in manifest["fields"]


def test_a_sqlite_snapshot_takes_no_document_text_option(archive: Archive, tmp_path: Path) -> None:
    result = run_main(
        "export", "--format", "sqlite", "--out", str(tmp_path / "copy.sqlite3"),
        "--with-document-text", "--db", archive.db_url, cwd=tmp_path,
    )  # fmt: skip
    one_line_error(result, 2, "give only --out")


# citynews report --------------------------------------------------------------------------


def test_the_report_lists_new_and_removed_documents_with_their_articles(
    archive: Archive, tmp_path: Path
) -> None:
    out = tmp_path / "march.html"
    result = run_main(
        "report", "--since", "2025-03-01", "--until", "2025-03-31", "--out", str(out),
        "--db", archive.db_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    new = html.split("<h3>New documents</h3>")[1].split("<h3>Removed documents</h3>")[0]
    assert new.count("<li>") == 4
    assert f'<a href="{DECREE_URL}">Постановление № 123 / Постановление о слушаниях</a>' in new
    assert f'<a href="{NEWS}">Публичные слушания по проекту планировки</a>' in new
    assert f'<a href="{HEARING}">14.03.2025 Публичные слушания</a>' in new
    assert "2025-03-15 09:00" in new
    assert NEVER_URL not in new
    assert BROKEN_URL not in new
    assert "No document was found removed in this period." in html

    april = tmp_path / "april.html"
    result = run_main(
        "report", "--since", "2025-04-01", "--until", "2025-04-30", "--out", str(april),
        "--db", archive.db_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = april.read_text(encoding="utf-8")
    removed = html.split("<h3>Removed documents</h3>")[1]
    assert removed.count("<li>") == 1
    assert "2025-04-02 10:00" in removed
    assert f'<a href="{PLOTS_URL}">Перечень участков</a> (xlsx, ' in removed
    assert f'<a href="{HEARING}">14.03.2025 Публичные слушания</a>' in removed
    assert "No document was kept for the first time in this period." in html
    assert "Nothing happened in this period" not in html


# citynews serve ---------------------------------------------------------------------------


def test_datasette_lists_documents_with_their_state_and_article_as_the_cli_does(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "archive.sqlite3"
    archive = fill_archive(f"sqlite:///{db_path}", tmp_path / "documents")
    assert extract(archive, tmp_path).returncode == 0
    cli = {
        (row["article_url"], row["url"]): row["text_status"] for row in listed(archive, tmp_path)
    }
    rows = datasette_rows(db_path, "documents_and_articles", status="")
    assert {(row["article_url"], row["document_url"]): row["status"] for row in rows} == cli
    hearing_decree = next(
        row for row in rows if (row["article_url"], row["document_url"]) == (HEARING, DECREE_URL)
    )
    assert hearing_decree["document"] == "Постановление о слушаниях"
    assert hearing_decree["article"] == "14.03.2025 Публичные слушания"
    assert hearing_decree["published (Europe/Moscow)"] == "2025-03-14 09:30"
    failed = datasette_rows(db_path, "documents_and_articles", status="fetch-failed")
    assert [(row["document_url"], row["why"]) for row in failed] == [(BROKEN_URL, HTML_PAGE)]
    removed = [row for row in rows if row["removed (Europe/Moscow)"]]
    assert [(row["document_url"], row["removed (Europe/Moscow)"]) for row in removed] == [
        (PLOTS_URL, "2025-04-02 10:00")
    ]
    status, page = datasette_get(db_path, "/archive/documents")
    assert status == 200
    assert "Documents</h1>" in page
    assert "One row per document URL the articles link" in page
    assert "2025-04-02 10:00 MSK" in page  # stored times in the site's zone
    assert "ocr-waiting" in datasette_get(db_path, "/archive/document_files")[1]
    links = datasette_get(db_path, "/archive/article_documents")[1]
    assert '<a href="/archive/articles/1">Публичные слушания по проекту планировки</a>' in links
    assert f'<a href="/archive/documents/1">{DECREE_URL}</a>' in links


def test_a_hostile_link_text_cannot_reach_the_terminal_or_the_reports_html(
    db_url: str, tmp_path: Path
) -> None:
    hostile = "\x1b]0;pwned\x07<script>alert(1)</script> \u202eперечень"
    url = f"{UPLOAD}hostile.pdf"
    folder = tmp_path / "documents"
    stored = keep(DocumentStore(folder), text_pdf([DECREE[:1]]), "pdf")
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        record = article_record(
            NEWS, fetched_at=SEEN_AT, attachments=[{"url": url, "title": hostile}]
        )
        save_article(session, record, None)
        record_fetch(session, DocumentFetch(url, KEPT_AT, FetchOutcome.NEW, stored))
    sessions.kw["bind"].dispose()
    common = ["--db", db_url, "--documents-dir", str(folder)]
    for command in (["documents", *common], ["show", NEWS, *common]):
        result = run_main(*command, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "\\x1b]0;pwned\\x07<script>alert(1)</script> \\u202eперечень" in result.stdout
        assert "\x1b" not in result.stdout
        assert "\u202e" not in result.stdout
    as_json = run_main("documents", *common, "--format", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout)[0]["title"] == hostile  # data keeps the text as stored
    out = tmp_path / "report.html"
    report = run_main(
        "report", "--since", "2025-03-01", "--until", "2025-03-31", "--out", str(out),
        "--db", db_url, cwd=tmp_path,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html

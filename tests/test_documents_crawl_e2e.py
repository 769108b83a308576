"""The crawl downloads the documents articles link: kept once by content beside the archive,
their text read, refused when they are no document, checked again on the revisit schedule with
conditional requests, and every version kept. Real crawls of a local site, SQLite."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.document_site import (
    DECREE_PAGES,
    NEW_DECREE_PAGES,
    DocumentSite,
    Served,
    document_site,
)
from tests.support.cli import run_citynews
from tests.support.documents import scanned_pdf, text_pdf, words

pytestmark = pytest.mark.e2e

DECREE = "https://www.smoladmin.ru/upload/iblock/decree.pdf"
COPY = "https://www.smoladmin.ru/upload/iblock/copy-of-decree.pdf"
PLAN = "https://www.smoladmin.ru/upload/iblock/plan.docx"
BY_SCRIPT = "https://www.smoladmin.ru/download.php?id=7"
BY_PATH = "https://www.smoladmin.ru/getfile/15"
ORIGIN = "https://www.smoladmin.ru"


def crawl(site: DocumentSite, folder: Path, days_later: int = 0, *extra: str) -> None:
    now = datetime.now(UTC) + timedelta(days=days_later)
    result = run_citynews(
        "crawl",
        "--db",
        f"sqlite:///{folder / 'archive.sqlite3'}",
        "--site-url",
        site.url,
        "--section",
        "novosti",
        "-s",
        "CITYNEWS_DOCUMENT_MAXSIZE=200000",
        "-s",
        f"CITYNEWS_NOW={now.isoformat()}",
        *extra,
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr


def rows(folder: Path, query: str) -> list[tuple]:
    engine = create_engine(f"sqlite:///{folder / 'archive.sqlite3'}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def documents(folder: Path) -> dict[str, tuple]:
    found = rows(folder, "SELECT url, sha256, failure, removed_at FROM documents")
    return {url: (sha256, failure, removed) for url, sha256, failure, removed in found}


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("documents")
    with document_site() as site:
        crawl(site, folder)
        yield site, folder


def test_each_document_is_kept_once_by_content_beside_the_archive(first_crawl) -> None:
    site, folder = first_crawl
    found = documents(folder)
    decree_sha, failure, removed = found[DECREE]
    assert (failure, removed) == (None, None)
    assert found[COPY][0] == decree_sha  # the same bytes at two URLs: one file
    kept = folder / "documents" / decree_sha[:2] / decree_sha[2:4] / decree_sha
    assert kept.read_bytes() == site.files["/upload/iblock/decree.pdf"].body
    files = [path for path in (folder / "documents").rglob("*") if path.is_file()]
    assert len(files) == 2  # the PDF and the DOCX, nothing left half-written
    assert rows(folder, "SELECT kind, size FROM document_files ORDER BY kind") == [
        ("docx", len(site.files["/upload/iblock/plan.docx"].body)),
        ("pdf", len(site.files["/upload/iblock/decree.pdf"].body)),
    ]


def test_documents_served_by_scripts_without_an_extension_are_kept(first_crawl) -> None:
    _, folder = first_crawl
    found = documents(folder)
    assert found[BY_SCRIPT] == (found[DECREE][0], None, None)
    assert found[BY_PATH] == (found[PLAN][0], None, None)
    # the page the third article links is no document: never recorded as one
    assert not [url for url in found if "obyavlenie" in url]


def test_what_is_no_document_is_a_failed_fetch_with_its_reason(first_crawl) -> None:
    site, folder = first_crawl
    found = documents(folder)
    origin = "https://www.smoladmin.ru"
    assert found[f"{origin}/upload/iblock/fake.pdf"][1] == "an HTML page, not a document"
    assert found[f"{origin}/upload/iblock/missing.pdf"][1] == "HTTP 404"
    assert found[f"{origin}/upload/iblock/big.pdf"][1].startswith("larger than 200000 bytes")
    assert found[f"{origin}/closed/secret.pdf"][1].startswith("not fetched")
    assert site.requested("/closed/secret.pdf") == []  # robots.txt closes it
    kept = (DECREE, COPY, PLAN, BY_SCRIPT, BY_PATH)
    assert all(found[url][0] is None for url in found if url not in kept)
    # a document on another host is linked with its article, never requested
    assert found["https://other.example.org/files/report.pdf"] == (None, None, None)


def test_documents_are_fetched_like_pages(first_crawl) -> None:
    site, _ = first_crawl
    (decree_request,) = site.requested("/upload/iblock/decree.pdf")
    assert decree_request["user-agent"].startswith("citynews/")
    assert decree_request["accept-encoding"] == "identity"


def test_the_text_of_each_document_is_read_page_by_page(first_crawl) -> None:
    _, folder = first_crawl
    assert rows(folder, "SELECT kind, text_status, pages FROM document_files ORDER BY kind") == [
        ("docx", "extracted", None),
        ("pdf", "extracted", 2),
    ]
    pages = rows(
        folder,
        "SELECT page, text FROM document_parts JOIN document_files USING (sha256) "
        "WHERE kind = 'pdf' ORDER BY position",
    )
    assert [page for page, _ in pages] == [1, 2]
    for (_, read), expected in zip(pages, DECREE_PAGES, strict=True):
        assert words(read) == words(" ".join(expected))


def test_articles_link_their_documents_with_the_link_text(first_crawl) -> None:
    _, folder = first_crawl
    linked = rows(
        folder,
        "SELECT a.url, ad.title FROM article_documents ad JOIN articles a ON a.id = ad.article_id "
        "JOIN documents d ON d.id = ad.document_id WHERE d.url = :url ORDER BY a.url".replace(
            ":url", f"'{DECREE}'"
        ),
    )
    assert [title for _, title in linked] == ["Постановление № 123", "Постановление"]


def test_the_next_day_costs_no_document_request_and_a_month_later_a_conditional_one(
    tmp_path: Path,
) -> None:
    with document_site() as site:
        crawl(site, tmp_path)
        site.log.clear()
        crawl(site, tmp_path, days_later=1)
        kept_paths = ("/upload/iblock/decree.pdf", "/upload/iblock/plan.docx")
        assert [site.requested(path) for path in kept_paths] == [[], []]

        site.files["/upload/iblock/decree.pdf"] = Served(text_pdf(NEW_DECREE_PAGES))
        del site.files["/upload/iblock/plan.docx"]
        site.log.clear()
        crawl(site, tmp_path, 31)
        (copy_request,) = site.requested("/upload/iblock/copy-of-decree.pdf")
        assert copy_request["if-none-match"]  # answered 304: nothing downloaded

    found = documents(tmp_path)
    versions = rows(
        tmp_path,
        "SELECT d.url, count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id "
        "GROUP BY d.url ORDER BY d.url",
    )
    assert dict(versions) == {BY_SCRIPT: 1, BY_PATH: 1, COPY: 1, DECREE: 2, PLAN: 1}
    assert found[PLAN][2] is not None  # removed, and its file stays
    plan_sha = found[PLAN][0]
    assert (tmp_path / "documents" / plan_sha[:2] / plan_sha[2:4] / plan_sha).is_file()
    new_text = rows(
        tmp_path,
        "SELECT p.text FROM document_parts p JOIN documents d ON d.sha256 = p.sha256 "
        f"WHERE d.url = '{DECREE}'",
    )
    assert words(new_text[0][0]) == words(" ".join(NEW_DECREE_PAGES[0]))


def test_a_crawl_with_documents_off_requests_none_and_the_next_asks_them(tmp_path: Path) -> None:
    with document_site() as site:
        crawl(site, tmp_path, 0, "-s", "CITYNEWS_DOCUMENTS=0")
        assert not [path for path, _ in site.log if path.startswith("/upload/")]
    assert rows(tmp_path, "SELECT count(*) FROM document_files") == [(0,)]
    assert len(documents(tmp_path)) == 10  # the links are recorded all the same

    with document_site() as site:  # the pages link nothing now; the archive knows the links
        site.links = {key: [] for key in site.links}
        crawl(site, tmp_path)
    found = documents(tmp_path)
    assert found[DECREE][0] is not None
    assert found[BY_SCRIPT][0] == found[DECREE][0]
    assert found[f"{ORIGIN}/upload/iblock/missing.pdf"][1] == "HTTP 404"


def test_documents_go_to_the_folder_asked_for(tmp_path: Path) -> None:
    elsewhere = tmp_path / "shared" / "docs"
    with document_site() as site:
        crawl(site, tmp_path, 0, "--documents-dir", str(elsewhere))
    assert not (tmp_path / "documents").exists()
    assert len([path for path in elsewhere.rglob("*") if path.is_file()]) == 2


def test_a_slow_download_is_kept_and_a_stalled_one_fails(tmp_path: Path) -> None:
    """DOWNLOAD_TIMEOUT bounds each wait for the server, not the whole download."""
    body = text_pdf([["Медленный документ"]]) + b"%" + b"0" * 150_000 + b"\n"
    with document_site() as site:
        site.files = {
            "/upload/iblock/slow.pdf": Served(body, gap=0.25),  # 10 chunks: 2.5 s in all
            "/upload/iblock/stalled.pdf": Served(body + b"%1\n", stall=4.0),
        }
        site.links = {1: [(path, "Документ") for path in site.files]}
        crawl(site, tmp_path, 0, "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0")
    found = documents(tmp_path)
    origin = "https://www.smoladmin.ru/upload/iblock"
    assert found[f"{origin}/slow.pdf"][1] is None
    assert found[f"{origin}/slow.pdf"][0] is not None
    failure = found[f"{origin}/stalled.pdf"][1]
    assert failure.startswith("DownloadTimeoutError: "), failure
    assert "1.0 seconds between bytes" in failure


def test_without_tesseract_a_crawl_says_so_once_and_scans_wait_for_ocr(tmp_path: Path) -> None:
    scan = scanned_pdf([["Протокол публичных слушаний", "Слушания признаны состоявшимися"]])
    with document_site() as site:
        site.files = {"/upload/iblock/scan.pdf": Served(scan)}
        site.links = {1: [("/upload/iblock/scan.pdf", "Протокол (скан)")]}
        empty_path = tmp_path / "bin"
        empty_path.mkdir()
        result = run_citynews(
            "crawl",
            "--db",
            f"sqlite:///{tmp_path / 'archive.sqlite3'}",
            "--site-url",
            site.url,
            "--section",
            "novosti",
            cwd=tmp_path,
            env={"PATH": str(empty_path)},
        )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("citynews: note:")]
    assert notes == [
        "citynews: note: Tesseract is not installed (no tesseract command; Debian: "
        "tesseract-ocr): scanned pages wait for `citynews documents extract`"
    ]
    assert rows(tmp_path, "SELECT text_status, pages FROM document_files") == [("ocr-waiting", 1)]


def test_a_file_replaced_on_a_server_without_etags_keeps_both_versions(tmp_path: Path) -> None:
    with document_site() as site:
        site.files = {"/upload/iblock/plain.pdf": Served(text_pdf(DECREE_PAGES), validators=False)}
        site.links = {1: [("/upload/iblock/plain.pdf", "Постановление")]}
        crawl(site, tmp_path)
        site.files["/upload/iblock/plain.pdf"] = Served(
            text_pdf(NEW_DECREE_PAGES), validators=False
        )
        crawl(site, tmp_path, 31)
        requests = site.requested("/upload/iblock/plain.pdf")
    assert ["if-none-match" in headers for headers in requests] == [False, False]
    kept = rows(tmp_path, "SELECT count(*) FROM document_versions")
    assert kept == [(2,)]
    assert len([path for path in (tmp_path / "documents").rglob("*") if path.is_file()]) == 2

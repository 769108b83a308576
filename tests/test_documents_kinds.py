"""A stored file's kind is told by its content, never by its name: documents of each kind,
and what only looks like one (an HTML page at a .pdf URL, an image, an empty file)."""

from pathlib import Path

import pytest

from scraper.documents.extract import extract_document
from scraper.documents.kinds import Kind, NotADocument, identify, sniff
from tests.support import documents as make
from tests.support.documents import DECREE, PLOTS, TABLE

DOCUMENTS = {
    Kind.PDF: lambda: make.text_pdf([DECREE]),
    Kind.DOCX: lambda: make.docx(DECREE, TABLE),
    Kind.ODT: lambda: make.odt(DECREE),
    Kind.XLSX: lambda: make.xlsx(PLOTS),
    Kind.ODS: lambda: make.ods(PLOTS),
    Kind.RTF: lambda: make.rtf_1251(DECREE),
    Kind.ZIP: lambda: make.zip_of({"a.pdf": make.text_pdf([DECREE]), "b.txt": "текст"}),
    Kind.DOC: lambda: (make.FIXTURES / "decree.doc").read_bytes(),
    Kind.XLS: lambda: (make.FIXTURES / "plots.xls").read_bytes(),
}


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_each_kind_is_told_by_content_under_a_misleading_name(tmp_path: Path, kind: Kind) -> None:
    path = make.write(tmp_path / "document.html", DOCUMENTS[kind]())
    assert identify(path) == kind


NOT_DOCUMENTS = [
    (b"<!DOCTYPE html><html><head><title>404</title></head></html>", "an HTML page"),
    (b"\xef\xbb\xbf\n  <html lang='ru'><body>Not found</body></html>", "an HTML page"),
    (b"<!-- served by nginx -->\n<HTML><BODY>moved</BODY></HTML>", "an HTML page"),
    (b"", "an empty file"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
    (b"Rar!\x1a\x07\x01\x00", "a RAR archive"),
    (b'<?xml version="1.0"?><rss></rss>', "an XML file"),
]


@pytest.mark.parametrize(("content", "reason"), NOT_DOCUMENTS)
def test_what_is_not_a_document_says_what_it_is(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = make.write(tmp_path / "decree.pdf", content)
    assert identify(path) == NotADocument(reason)
    assert extract_document(path).failure == f"not a document: {reason}"


def test_the_first_bytes_already_reject_an_html_page() -> None:
    assert sniff(b"<!doctype html>\n<html>") == NotADocument("an HTML page")
    assert sniff(b"%PDF-1.7\n") is Kind.PDF
    assert sniff(b"PK\x03\x04") is None  # a ZIP package: its members decide
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") is None  # an OLE2 file: its streams decide


def test_text_of_unknown_content_is_described(tmp_path: Path) -> None:
    path = make.write(tmp_path / "x.doc", "просто текст".encode())
    verdict = identify(path)
    assert isinstance(verdict, NotADocument)
    assert verdict.reason.startswith("unrecognised content (starts b'")


def test_damaged_ole2_file_is_not_taken_for_a_document(tmp_path: Path) -> None:
    data = (make.FIXTURES / "decree.doc").read_bytes()[:600]
    verdict = identify(make.write(tmp_path / "cut.doc", data))
    assert isinstance(verdict, NotADocument)
    assert verdict.reason.startswith("a damaged OLE2 compound file")


def test_a_zip_with_a_pdf_stored_first_is_a_zip(tmp_path: Path) -> None:
    path = make.write(tmp_path / "a.zip", make.zip_of({"a.pdf": make.text_pdf([DECREE])}))
    assert identify(path) is Kind.ZIP


@pytest.mark.parametrize(
    ("streams", "verdict"),
    [
        (["EncryptionInfo", "EncryptedPackage"], Kind.ENCRYPTED_OFFICE),
        (["WordDocument", "1Table"], Kind.DOC),
        (["Workbook"], Kind.XLS),
        (
            ["PowerPoint Document"],
            NotADocument("a PowerPoint presentation (not a supported document kind)"),
        ),
        (
            ["Contents"],
            NotADocument("an OLE2 compound file that is neither a Word nor an Excel document"),
        ),
    ],
)
def test_ole2_files_by_their_streams(tmp_path: Path, streams: list[str], verdict: object) -> None:
    path = make.write(tmp_path / "file.bin", make.ole2_with_streams(streams))
    assert identify(path) == verdict


def test_password_protected_office_file_fails_with_its_reason(tmp_path: Path) -> None:
    data = make.ole2_with_streams(["EncryptionInfo", "EncryptedPackage"])
    result = extract_document(make.write(tmp_path / "secret.docx", data))
    assert (result.kind, result.failure) == (
        Kind.ENCRYPTED_OFFICE,
        "a password-protected Office document",
    )

"""Text from real documents made in the tests from known Russian text: PDFs with a text layer,
with a broken font map and scanned (OCR by Tesseract), DOCX, ODT, XLSX, ODS, XLS, RTF in
windows-1251, DOC and ZIP; accuracy as character F1 against the known text."""

from pathlib import Path

import pytest

from scraper.documents.extract import extract_document
from scraper.documents.kinds import Kind
from scraper.documents.results import DocumentText, ExtractOptions, Method, TextPart
from tests.support import documents as make
from tests.support.documents import DECREE, PLOTS, PROTOCOL, TABLE, char_f1, joined

TEXT_LAYER_F1 = 0.98
OCR_F1 = 0.90
TABLE_LINES = ["\t".join(row) for row in TABLE]
NO_TESSERACT = ExtractOptions(ocr_command="/nonexistent/tesseract")


def read(
    tmp_path: Path, name: str, data: bytes, options: ExtractOptions | None = None
) -> DocumentText:
    path = make.write(tmp_path / name, data)
    result = extract_document(path, options) if options else extract_document(path)
    assert result.failure is None, result.failure
    return result


def only_part(result: DocumentText) -> TextPart:
    (part,) = result.parts
    return part


def test_pdf_text_layer_is_read_page_by_page(tmp_path: Path) -> None:
    result = read(tmp_path, "decree.pdf", make.text_pdf([DECREE, PROTOCOL]))
    assert (result.kind, result.method, result.pages) == (Kind.PDF, "text-layer", 2)
    assert [part.page for part in result.parts] == [1, 2]
    assert char_f1(joined(DECREE), result.parts[0].text) >= TEXT_LAYER_F1
    assert char_f1(joined(PROTOCOL), result.parts[1].text) >= TEXT_LAYER_F1
    assert result.characters == len(result.parts[0].text) + len(result.parts[1].text)
    assert not result.ocr_waiting


def test_scanned_pdf_is_read_by_ocr(tmp_path: Path) -> None:
    result = read(tmp_path, "scan.pdf", make.scanned_pdf([DECREE]))
    part = only_part(result)
    assert (result.method, part.method, part.page) == ("ocr", Method.OCR, 1)
    assert part.note == "no text layer"
    assert char_f1(joined(DECREE), part.text) >= OCR_F1


def test_worn_copier_scan_at_200_dpi_is_read_by_ocr(tmp_path: Path) -> None:
    result = read(tmp_path, "scan.pdf", make.scanned_pdf([PROTOCOL], dpi=200, worn=True))
    part = only_part(result)
    assert part.method is Method.OCR
    assert char_f1(joined(PROTOCOL), part.text) >= OCR_F1


@pytest.mark.parametrize("shift", ["ascii", "latin1"])
def test_broken_font_map_falls_back_to_ocr(tmp_path: Path, shift: str) -> None:
    data = make.broken_font_map_pdf(DECREE, shift)
    layer = read(tmp_path, "layer.pdf", data, ExtractOptions(ocr_command="/nonexistent/x"))
    assert layer.parts[0].text == "", "the noise of the text layer is not kept as text"
    result = read(tmp_path, "broken.pdf", data)
    part = only_part(result)
    assert part.method is Method.OCR
    assert char_f1(joined(DECREE), part.text) >= OCR_F1


def test_mixed_pdf_reads_each_page_its_own_way(tmp_path: Path) -> None:
    result = read(tmp_path, "mixed.pdf", make.mixed_pdf(DECREE, PROTOCOL, tmp_path))
    assert result.method == "text-layer+ocr"
    first, second = result.parts
    assert (first.method, second.method) == (Method.TEXT_LAYER, Method.OCR)
    assert char_f1(joined(DECREE), first.text) >= TEXT_LAYER_F1
    assert char_f1(joined(PROTOCOL), second.text) >= OCR_F1


def test_a_scan_under_a_typed_heading_is_read_by_ocr(tmp_path: Path) -> None:
    heading = "Приложение № 2 к постановлению Администрации города Смоленска"
    data = make.headed_scan_pdf(heading, PROTOCOL, tmp_path)
    result = read(tmp_path, "annex.pdf", data)
    part = only_part(result)
    assert part.method is Method.OCR
    assert part.note is not None
    assert "image" in part.note
    assert char_f1(joined(PROTOCOL), part.text) >= OCR_F1
    assert "Приложение № 2" in part.text


def test_pages_wait_for_ocr_where_tesseract_is_missing(tmp_path: Path) -> None:
    result = read(tmp_path, "mixed.pdf", make.mixed_pdf(DECREE, PROTOCOL, tmp_path), NO_TESSERACT)
    assert result.method == "text-layer"
    first, second = result.parts
    assert char_f1(joined(DECREE), first.text) >= TEXT_LAYER_F1
    assert result.ocr_waiting == (second,)
    assert (second.page, second.text) == (2, "")
    assert second.note is not None
    assert "Tesseract is not installed" in second.note


def test_pages_wait_for_ocr_where_russian_data_is_missing(tmp_path: Path) -> None:
    only_english = tmp_path / "tessdata"
    only_english.mkdir()
    (only_english / "eng.traineddata").symlink_to(installed_tessdata() / "eng.traineddata")
    options = ExtractOptions(ocr_tessdata_dir=str(only_english))
    result = read(tmp_path, "scan.pdf", make.scanned_pdf([DECREE]), options)
    assert result.method == "ocr-waiting"
    (waiting,) = result.ocr_waiting
    assert waiting.note is not None
    assert "tesseract-ocr-rus" in waiting.note


def installed_tessdata() -> Path:
    found = sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata/eng.traineddata"))
    assert found, "tesseract-ocr with its English data is installed (.ci/run installs it)"
    return found[-1].parent


def test_docx_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    result = read(tmp_path, "decree.docx", make.docx(DECREE, TABLE))
    part = only_part(result)
    assert (result.kind, result.method, part.method) == (Kind.DOCX, "docx", Method.DOCX)
    assert char_f1(joined([*DECREE, *TABLE_LINES]), part.text) >= TEXT_LAYER_F1
    assert part.text.splitlines()[-3:] == TABLE_LINES


def test_odt_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    result = read(tmp_path, "decree.odt", make.odt(DECREE, TABLE))
    part = only_part(result)
    assert (result.kind, result.method) == (Kind.ODT, "odt")
    assert char_f1(joined([*DECREE, *TABLE_LINES]), part.text) >= TEXT_LAYER_F1
    assert part.text.splitlines()[-3:] == TABLE_LINES


@pytest.mark.parametrize(
    ("name", "data"),
    [("plots.xlsx", make.xlsx(PLOTS)), ("plots.ods", make.ods(PLOTS))],
)
def test_workbooks_are_read_sheet_by_sheet(tmp_path: Path, name: str, data: bytes) -> None:
    result = read(tmp_path, name, data)
    assert_plots(result)


def test_legacy_xls_is_read_sheet_by_sheet() -> None:
    result = extract_document(make.FIXTURES / "plots.xls")
    assert result.kind is Kind.XLS
    assert_plots(result)


def assert_plots(result: DocumentText) -> None:
    assert result.method == "calamine"
    assert [part.sheet for part in result.parts] == list(PLOTS)
    sheets = [part.text.splitlines() for part in result.parts]
    assert sheets == [
        ["\t".join(str(cell) for cell in row) for row in rows] for rows in PLOTS.values()
    ]


@pytest.mark.parametrize(
    "variant",
    [
        {},  # as Word writes it: \'xx escapes, fonts marked Cyrillic (\fcharset204)
        {"font_charset": 0},  # fonts marked ANSI, meaning the document's code page
        {"raw_bytes": True},  # the code page's bytes written as they are
    ],
)
def test_rtf_in_windows_1251(tmp_path: Path, variant: dict[str, object]) -> None:
    result = read(tmp_path, "decree.rtf", make.rtf_1251(DECREE, **variant))  # type: ignore[arg-type]
    part = only_part(result)
    assert (result.kind, result.method) == (Kind.RTF, "striprtf")
    assert part.text.splitlines() == list(DECREE)


def test_doc_by_antiword_with_its_tables() -> None:
    result = extract_document(make.FIXTURES / "decree.doc")
    part = only_part(result)
    assert (result.kind, result.method) == (Kind.DOC, "antiword")
    assert char_f1(joined([*DECREE, *TABLE_LINES]), part.text) >= TEXT_LAYER_F1
    assert part.text.splitlines()[-3:] == TABLE_LINES


def test_doc_by_catdoc_where_antiword_is_missing() -> None:
    options = ExtractOptions(antiword_command="/nonexistent/antiword")
    result = extract_document(make.FIXTURES / "decree.doc", options)
    assert result.method == "catdoc"
    assert all(paragraph in result.text for paragraph in DECREE)


def test_doc_without_either_reader_fails_with_both_reasons() -> None:
    options = ExtractOptions(antiword_command="/no/antiword", catdoc_command="/no/catdoc")
    result = extract_document(make.FIXTURES / "decree.doc", options)
    assert result.parts == ()
    assert result.failure == (
        "antiword could not be started (No such file or directory); "
        "catdoc could not be started (No such file or directory)"
    )


def test_zip_members_are_read_and_named(tmp_path: Path) -> None:
    members = {
        "Постановление.pdf": make.text_pdf([DECREE]),
        "Протокол.docx": make.docx(PROTOCOL),
        "фото.jpg": b"\xff\xd8\xff\xe0 a photo",
    }
    # Windows' own ZIP writer: names in cp866, without the UTF-8 flag.
    result = read(tmp_path, "materials.zip", make.zip_of(members, utf8_names=False))
    assert (result.kind, result.method, result.pages) == (Kind.ZIP, "zip", 1)
    pdf_page, docx_text = result.parts
    assert (pdf_page.member, pdf_page.page, pdf_page.method) == (
        "Постановление.pdf",
        1,
        Method.TEXT_LAYER,
    )
    assert (docx_text.member, docx_text.method) == ("Протокол.docx", Method.DOCX)
    assert char_f1(joined(DECREE), pdf_page.text) >= TEXT_LAYER_F1
    assert char_f1(joined(PROTOCOL), docx_text.text) >= TEXT_LAYER_F1
    assert result.notes == ("фото.jpg: not a document: a JPEG image",)


def test_zip_in_a_zip_names_the_path(tmp_path: Path) -> None:
    inner = make.zip_of({"протокол.rtf": make.rtf_1251(PROTOCOL)})
    result = read(tmp_path, "outer.zip", make.zip_of({"приложения.zip": inner}))
    (part,) = result.parts
    assert part.member == "приложения.zip/протокол.rtf"
    assert part.text.splitlines() == list(PROTOCOL)


def test_text_is_the_parts_joined(tmp_path: Path) -> None:
    result = read(tmp_path, "decree.pdf", make.text_pdf([DECREE, PROTOCOL]))
    assert result.text == result.parts[0].text + "\n\n" + result.parts[1].text

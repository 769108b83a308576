"""Hostile documents end as that document's failure with its reason, in a child process under
CPU, memory and time limits, and leave the caller and the other documents unharmed: a million
pages, decompression and ZIP bombs, password-protected, truncated and malformed files, a file
that takes too long, a page too large to render."""

import os
import time
from pathlib import Path

import pytest

from scraper.documents.isolated import IsolatedReader, ProcessLimits, extract_all, extract_isolated
from scraper.documents.kinds import Kind
from scraper.documents.results import ExtractOptions, Method, MiB
from tests.support import documents as make
from tests.support.documents import DECREE, PROTOCOL, TABLE, char_f1, joined

SMALL_MEMORY = ProcessLimits(memory_bytes=384 * MiB)


def extracted(
    tmp_path: Path, name: str, data: bytes, **settings: object
) -> tuple[str | None, Kind | None]:
    path = make.write(tmp_path / name, data)
    result = extract_isolated(path, **settings)  # type: ignore[arg-type]
    return result.failure, result.kind


def test_a_million_pages_are_refused_by_the_page_cap(tmp_path: Path) -> None:
    assert extracted(tmp_path, "m.pdf", make.million_page_pdf()) == (
        "1000000 pages, more than the cap of 2000",
        Kind.PDF,
    )


def test_the_page_cap_is_an_option(tmp_path: Path) -> None:
    data = make.text_pdf([DECREE] * 5)
    failure, _ = extracted(tmp_path, "five.pdf", data, options=ExtractOptions(max_pages=4))
    assert failure == "5 pages, more than the cap of 4"


def test_pdf_decompression_bomb_ends_at_the_memory_limit(tmp_path: Path) -> None:
    failure, kind = extracted(tmp_path, "bomb.pdf", make.flate_bomb_pdf(512), limits=SMALL_MEMORY)
    assert kind is Kind.PDF
    assert failure is not None
    assert (
        "384 MiB" in failure
    )  # "ran out of memory (…)" or "the reader crashed (…) at the … limit"


def test_docx_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    failure, _ = extracted(tmp_path, "bomb.docx", make.docx_bomb(300))
    assert failure == "word/document.xml unpacks to 300 MiB, more than the cap of 256 MiB"


def test_docx_bomb_past_a_raised_cap_ends_at_the_memory_limit(tmp_path: Path) -> None:
    options = ExtractOptions(max_xml_bytes=4096 * MiB)
    data = make.docx_bomb(512)
    failure, _ = extracted(tmp_path, "bomb.docx", data, options=options, limits=SMALL_MEMORY)
    assert failure == "ran out of memory (its limit is 384 MiB)"


def test_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    options = ExtractOptions(zip_max_bytes=64 * MiB)
    failure, kind = extracted(tmp_path, "bomb.zip", make.zip_bomb(100), options=options)
    assert kind is Kind.ZIP
    assert failure == "a ZIP that unpacks to 100 MiB, more than the 64 MiB allowed"


def test_zip_of_too_many_files(tmp_path: Path) -> None:
    members = {f"{index}.txt": "x" for index in range(201)}
    failure, _ = extracted(tmp_path, "many.zip", make.zip_of(members))
    assert failure == "a ZIP of 201 files, more than the cap of 200"


def test_zips_nested_too_deep_are_not_opened(tmp_path: Path) -> None:
    data = make.zip_of({"decree.rtf": make.rtf_1251(DECREE)})
    for depth in range(3):
        data = make.zip_of({f"level{depth}.zip": data})
    failure, _ = extracted(tmp_path, "deep.zip", data)
    assert failure == (
        "a ZIP without a readable document "
        "(level2.zip: level1.zip: level0.zip: a ZIP nested more than 2 deep)"
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("secret.pdf", make.encrypted_pdf(DECREE), "a password-protected PDF"),
        (
            "cut.pdf",
            make.text_pdf([DECREE, PROTOCOL])[:3000],
            "a damaged PDF (PDFium: Data format error)",
        ),
        (
            "noise.pdf",
            b"%PDF-1.4\n" + os.urandom(4000),
            "a damaged PDF (PDFium: Data format error)",
        ),
        (
            "cut.docx",
            make.docx(DECREE, TABLE)[:-120],
            "not a document: a damaged ZIP file (File is not a zip file)",
        ),
    ],
)
def test_protected_truncated_and_malformed_files(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    failure, _ = extracted(tmp_path, name, data)
    assert failure == reason


def test_malformed_xml_in_a_docx(tmp_path: Path) -> None:
    package = make.zip_of(
        {
            "[Content_Types].xml": make.CONTENT_TYPES.format(
                main="/word/document.xml",
                type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                more="",
            ),
            "word/document.xml": "<w:document><w:body><w:p>не закрыт",
        }
    )
    failure, kind = extracted(tmp_path, "bad.docx", package)
    assert kind is Kind.DOCX
    assert failure is not None
    assert failure.startswith("word/document.xml is not well-formed XML")


def test_cpu_time_limit(tmp_path: Path) -> None:
    data = make.rtf_1251(DECREE, repeat=20_000)  # 40 MB of RTF: seconds of parsing
    failure, _ = extracted(tmp_path, "long.rtf", data, limits=ProcessLimits(cpu_seconds=1))
    assert failure == "used more than its 1 s of CPU time"


def test_wall_clock_limit(tmp_path: Path) -> None:
    data = make.scanned_pdf([DECREE] * 6)  # six pages of OCR
    failure, _ = extracted(tmp_path, "scan.pdf", data, limits=ProcessLimits(wall_seconds=2))
    assert failure == "took longer than 2 s"


def test_tesseract_has_its_own_time_and_memory_limits(tmp_path: Path) -> None:
    path = make.write(tmp_path / "scan.pdf", make.scanned_pdf([DECREE]))
    slow = extract_isolated(path, ExtractOptions(tool_seconds=0.05)).parts[0]
    assert (slow.method, slow.note) == (
        Method.OCR_FAILED,
        "no text layer; tesseract took longer than 0.05 s",
    )
    starved = extract_isolated(path, ExtractOptions(tool_memory_bytes=64 * MiB)).parts[0]
    assert starved.method is Method.OCR_FAILED
    assert starved.note is not None
    assert starved.note.startswith("no text layer; tesseract ")


def test_a_huge_page_is_rendered_within_the_pixel_cap(tmp_path: Path) -> None:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R >>",
        b"<< /Length 30 >>\nstream\n10 w 100 100 m 14000 14000 l S\nendstream",
    ]
    path = make.write(tmp_path / "huge.pdf", make.assemble_pdf(objects))
    options = ExtractOptions(ocr_max_pixels=4_000_000)
    result = extract_isolated(path, options, ProcessLimits(memory_bytes=512 * MiB))
    assert result.failure is None
    (page,) = result.parts
    assert (page.method, page.note) == (Method.OCR, "no text layer")


def test_hostile_files_leave_the_others_unharmed(tmp_path: Path) -> None:
    files = [
        make.write(tmp_path / "million.pdf", make.million_page_pdf()),
        make.write(tmp_path / "decree.pdf", make.text_pdf([DECREE])),
        make.write(tmp_path / "bomb.pdf", make.flate_bomb_pdf(512)),
        make.write(tmp_path / "protocol.docx", make.docx(PROTOCOL)),
        make.write(tmp_path / "page.html", b"<html><body>404</body></html>"),
    ]
    results = dict(extract_all(files, workers=2, limits=SMALL_MEMORY))
    assert list(results) == files
    million, decree, bomb, protocol, page = results.values()
    assert million.failure == "1000000 pages, more than the cap of 2000"
    assert bomb.failure is not None
    assert page.failure == "not a document: an HTML page"
    assert decree.failure is None
    assert char_f1(joined(DECREE), decree.text) >= 0.98
    assert protocol.failure is None
    assert char_f1(joined(PROTOCOL), protocol.text) >= 0.98


def test_a_worker_is_replaced_after_a_document_that_spoiled_it(tmp_path: Path) -> None:
    bomb = make.write(tmp_path / "bomb.pdf", make.flate_bomb_pdf(512))
    scan = make.write(tmp_path / "scan.pdf", make.scanned_pdf([DECREE] * 3))
    decree = make.write(tmp_path / "decree.pdf", make.text_pdf([DECREE]))
    limits = ProcessLimits(memory_bytes=384 * MiB, wall_seconds=2)
    with IsolatedReader(limits=limits) as reader:
        assert reader.read(bomb).failure is not None
        assert reader.read(decree).failure is None
        assert reader.read(scan).failure == "took longer than 2 s"
        after = reader.read(decree)
    assert after.failure is None
    assert char_f1(joined(DECREE), after.text) >= 0.98


SAMPLES = {
    "pdf": lambda: make.text_pdf([DECREE, PROTOCOL]),
    "docx": lambda: make.docx(DECREE, TABLE),
    "odt": lambda: make.odt(DECREE, TABLE),
    "xlsx": lambda: make.xlsx({"Участки": TABLE}),
    "rtf": lambda: make.rtf_1251(DECREE),
    "doc": lambda: (make.FIXTURES / "decree.doc").read_bytes(),
    "xls": lambda: (make.FIXTURES / "plots.xls").read_bytes(),
    "zip": lambda: make.zip_of({"a.pdf": make.text_pdf([DECREE]), "b.docx": make.docx(PROTOCOL)}),
}


def corruptions(data: bytes) -> list[bytes]:
    """The file cut at a tenth, half and nine tenths, and with a run of bytes overwritten at
    a quarter, half and three quarters (deterministic)."""
    cuts = [data[: len(data) * share // 10] for share in (1, 5, 9)]
    overwritten = []
    for share in (1, 2, 3):
        at = len(data) * share // 4
        overwritten.append(data[:at] + bytes(range(64)) + data[at + 64 :])
    return cuts + overwritten


@pytest.mark.parametrize("name", list(SAMPLES))
def test_damaged_files_of_each_kind_end_with_a_one_line_outcome(tmp_path: Path, name: str) -> None:
    with IsolatedReader() as reader:
        for index, data in enumerate(corruptions(SAMPLES[name]())):
            result = reader.read(make.write(tmp_path / f"{index}.{name}", data))
            if result.failure is not None:
                assert result.parts == ()
                assert result.failure.strip()
                assert "\n" not in result.failure


def test_tesseract_ends_with_a_worker_that_timed_out(tmp_path: Path) -> None:
    tessdata = tmp_path / "tessdata"  # in tesseract's command line: tells our runs apart
    tessdata.mkdir()
    for language in ("rus", "eng"):
        found = sorted(Path("/usr/share/tesseract-ocr").glob(f"*/tessdata/{language}.traineddata"))
        (tessdata / found[-1].name).symlink_to(found[-1])
    path = make.write(tmp_path / "scan.pdf", make.scanned_pdf([DECREE] * 6))
    options = ExtractOptions(ocr_tessdata_dir=str(tessdata))
    result = extract_isolated(path, options, ProcessLimits(wall_seconds=3))
    assert result.failure == "took longer than 3 s"
    assert gone(str(tessdata)), processes_naming(str(tessdata))


def gone(argument: str) -> bool:
    """Whether the processes with `argument` in their command line end (a killed process
    needs a moment to leave /proc on a busy machine; one left running fails)."""
    for _ in range(100):
        if not processes_naming(argument):
            return True
        time.sleep(0.05)
    return False


def processes_naming(argument: str) -> list[str]:
    """The processes still running (not zombies) with `argument` in their command line."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if argument.encode() in command and state != "Z":
            found.append(entry)
    return found

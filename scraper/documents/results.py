"""What extraction gives for one document: its text per page, sheet or ZIP member, how it was
read, and why it failed or what is still waiting for OCR."""

import re
from dataclasses import dataclass
from enum import StrEnum

from scraper.documents.kinds import Kind

MiB = 1024 * 1024


class Method(StrEnum):
    TEXT_LAYER = "text-layer"  # a PDF page's own text
    OCR = "ocr"  # a PDF page read by Tesseract from its rendered image
    OCR_WAITING = "ocr-waiting"  # a page that needs OCR, which is not installed here
    OCR_FAILED = "ocr-failed"  # a page Tesseract could not read (its note says why)
    DOCX = "docx"
    ODT = "odt"
    SPREADSHEET = "calamine"
    RTF = "striprtf"
    ANTIWORD = "antiword"
    CATDOC = "catdoc"
    ZIP = "zip"


@dataclass(frozen=True)
class TextPart:
    """The text of one page of a PDF, one sheet of a spreadsheet, or a whole text document;
    `member` names the file inside a ZIP it came from (nested ZIPs joined by '/')."""

    text: str
    method: Method
    page: int | None = None  # 1-based
    sheet: str | None = None
    member: str | None = None
    note: str | None = None  # why OCR was needed, or why a page has no text


@dataclass(frozen=True)
class DocumentText:
    """One document's extraction. `failure` is None when it was read; a failed document has
    no parts."""

    kind: Kind | None
    method: str | None
    pages: int | None
    parts: tuple[TextPart, ...] = ()
    failure: str | None = None
    notes: tuple[str, ...] = ()  # what was left out: ZIP members that are no documents, …

    @property
    def text(self) -> str:
        return "\n\n".join(part.text for part in self.parts if part.text)

    @property
    def characters(self) -> int:
        return sum(len(part.text) for part in self.parts)

    @property
    def ocr_waiting(self) -> tuple[TextPart, ...]:
        """The pages whose text waits for Tesseract."""
        return tuple(part for part in self.parts if part.method is Method.OCR_WAITING)


@dataclass(frozen=True)
class ExtractOptions:
    """Limits and OCR settings of an extraction (the process limits are in isolated.py)."""

    max_pages: int = 2000
    max_characters: int = 20_000_000
    max_xml_bytes: int = 256 * MiB  # one unpacked XML part of a DOCX or ODT
    zip_max_members: int = 200
    zip_max_bytes: int = 512 * MiB  # all members of a ZIP unpacked, nested ones included
    zip_max_depth: int = 2  # a ZIP in a ZIP in a ZIP is read no deeper
    ocr_command: str = "tesseract"
    ocr_languages: str = "rus+eng"
    ocr_tessdata_dir: str | None = None
    ocr_dpi: int = 300
    ocr_max_pixels: int = 60_000_000  # larger pages are rendered at a lower resolution
    ocr_max_pages: int = 200  # pages past it are recorded as waiting
    antiword_command: str = "antiword"
    catdoc_command: str = "catdoc"
    tool_seconds: float = 300.0  # wall clock for one run of tesseract, antiword or catdoc
    tool_cpu_seconds: int = 240
    tool_memory_bytes: int = 2048 * MiB  # address space of one run of such a tool


class ExtractionFailed(Exception):
    """A document that cannot be read; the message is the reason recorded for it."""


def failed(kind: Kind | None, reason: str) -> DocumentText:
    return DocumentText(kind=kind, method=None, pages=None, failure=reason)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Extracted text as stored: line ends as \\n, no control characters (no NULs, which
    PostgreSQL's text refuses), no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = _CONTROL_CHARACTERS.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text + "\n")
    return _BLANK_LINES.sub("\n\n", text).strip()

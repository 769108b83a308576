"""The text of RTF files, read with striprtf in the document's own code page
(\\ansicpg1251 for Russian ones)."""

import codecs
import re
from pathlib import Path

from striprtf.striprtf import rtf_to_text

from scraper.documents.kinds import Kind
from scraper.documents.results import (
    DocumentText,
    ExtractionFailed,
    ExtractOptions,
    Method,
    TextPart,
    clean_text,
)

ANSI_CODE_PAGE = re.compile(rb"\\ansicpg(\d{3,5})")
# Windows code page → the \fcharset of fonts written in it (RTF 1.9.1, \fcharset).
CHARSET_OF_CODE_PAGE = {1250: 238, 1251: 204, 1252: 0, 1253: 161, 1254: 162, 1257: 186}
WESTERN_FONT = re.compile(r"\\fcharset0(?![0-9])")
DEFAULT_CODE_PAGE = "cp1252"


def document_code_page(head: bytes) -> str:
    """The code page an RTF header declares with \\ansicpg, if Python knows it."""
    match = ANSI_CODE_PAGE.search(head)
    if match:
        name = f"cp{int(match.group(1))}"
        try:
            codecs.lookup(name)
        except LookupError:
            return DEFAULT_CODE_PAGE
        return name
    return DEFAULT_CODE_PAGE


def extract_rtf(path: Path, options: ExtractOptions) -> DocumentText:
    data = path.read_bytes()
    code_page = document_code_page(data[:4096])
    source = data.decode(code_page, "replace")
    charset = CHARSET_OF_CODE_PAGE.get(int(code_page.removeprefix("cp")))
    if charset:
        # Writers of Russian RTF (WordPad among them) mark fonts as ANSI (\fcharset0) and mean
        # the document's code page; read as Western they would give Latin-1 noise.
        source = WESTERN_FONT.sub(rf"\\fcharset{charset}", source)
    try:
        text = clean_text(rtf_to_text(source, encoding=code_page, errors="replace"))
    except (ValueError, IndexError, RecursionError) as error:
        raise ExtractionFailed(f"a damaged RTF file ({error})") from error
    if len(text) > options.max_characters:
        raise ExtractionFailed(f"more than {options.max_characters} characters of text")
    return DocumentText(
        kind=Kind.RTF, method=Method.RTF, pages=None, parts=(TextPart(text, Method.RTF),)
    )

"""The text of DOCX and ODT files: paragraphs and table cells in document order, read with
zipfile and lxml."""

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from scraper.documents.kinds import Kind
from scraper.documents.results import (
    DocumentText,
    ExtractionFailed,
    ExtractOptions,
    Method,
    TextPart,
    clean_text,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
DOCX_CONTAINERS = {
    W + tag
    for tag in ("body", "sdt", "sdtContent", "footnote", "endnote", "customXml", "ins", "smartTag")
}
DOCX_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def xml_parser() -> etree.XMLParser:
    """A parser that expands no entities and fetches nothing (billion laughs, XXE)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def read_xml_part(archive: zipfile.ZipFile, name: str, options: ExtractOptions) -> etree._Element:
    """A package's XML part, parsed; ExtractionFailed when it unpacks past the cap."""
    size = archive.getinfo(name).file_size
    if size > options.max_xml_bytes:
        raise ExtractionFailed(
            f"{name} unpacks to {size // (1 << 20)} MiB, more than the cap of "
            f"{options.max_xml_bytes // (1 << 20)} MiB"
        )
    with archive.open(name) as member:
        data = member.read(options.max_xml_bytes + 1)
    try:
        return etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as error:
        raise ExtractionFailed(f"{name} is not well-formed XML ({error})") from error


def open_package(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ExtractionFailed(f"a damaged ZIP package ({error})") from error


def extract_docx(path: Path, options: ExtractOptions) -> DocumentText:
    with open_package(path) as archive:
        names = set(archive.namelist())
        if DOCX_PARTS[0] not in names:
            raise ExtractionFailed("a DOCX without word/document.xml")
        blocks: list[str] = []
        for name in DOCX_PARTS:
            if name in names:
                root = read_xml_part(archive, name, options)
                blocks.extend(docx_blocks(root))
    text = clean_text("\n".join(blocks))
    return one_part(Kind.DOCX, Method.DOCX, text, options)


def one_part(kind: Kind, method: Method, text: str, options: ExtractOptions) -> DocumentText:
    if len(text) > options.max_characters:
        raise ExtractionFailed(f"more than {options.max_characters} characters of text")
    return DocumentText(kind=kind, method=method, pages=None, parts=(TextPart(text, method),))


def docx_blocks(container: etree._Element) -> Iterator[str]:
    """The paragraphs of a WordprocessingML body (or footnote, cell, content control) in
    order; a table gives one line per row, its cells separated by tabs."""
    for child in container:
        if child.tag == W + "p":
            yield docx_paragraph(child)
        elif child.tag == W + "tbl":
            for row in child.iterchildren(W + "tr"):
                cells = ("\n".join(docx_blocks(cell)) for cell in row.iterchildren(W + "tc"))
                yield "\t".join(cells)
        elif child.tag in DOCX_CONTAINERS:
            yield from docx_blocks(child)


def docx_paragraph(paragraph: etree._Element) -> str:
    """A paragraph's text: its runs' text, tabs and breaks; deleted text and the fallback
    copies of drawings are left out."""
    pieces: list[str] = []
    for element in paragraph.iter():
        if any(ancestor.tag == MC_FALLBACK for ancestor in element.iterancestors()):
            continue
        tag = element.tag
        if tag == W + "t" and element.text:
            pieces.append(element.text)
        elif tag == W + "tab":
            pieces.append("\t")
        elif tag in (W + "br", W + "cr"):
            pieces.append("\n")
        elif tag == W + "noBreakHyphen":
            pieces.append("-")
        elif tag == W + "p" and element is not paragraph:
            pieces.append("\n")  # a paragraph of a text box inside this one
    return "".join(pieces)


def extract_odt(path: Path, options: ExtractOptions) -> DocumentText:
    with open_package(path) as archive:
        if "content.xml" not in archive.namelist():
            raise ExtractionFailed("an ODT without content.xml")
        root = read_xml_part(archive, "content.xml", options)
    body = root.find(f"{OFFICE}body/{OFFICE}text")
    text = clean_text("\n".join(odt_blocks(body))) if body is not None else ""
    return one_part(Kind.ODT, Method.ODT, text, options)


ODT_CONTAINERS = {
    TEXT + "section",
    TEXT + "list",
    TEXT + "list-item",
    TEXT + "list-header",
    TEXT + "index-body",
    TEXT + "note-body",
    TABLE + "table-header-rows",
    TABLE + "table-rows",
    TABLE + "table-row-group",
}


def odt_blocks(container: etree._Element) -> Iterator[str]:
    """The paragraphs and headings of an ODF text body in order; a table row is one line,
    its cells separated by tabs."""
    for child in container:
        if child.tag in (TEXT + "p", TEXT + "h"):
            yield odt_inline(child)
        elif child.tag == TABLE + "table":
            yield from odt_table_rows(child)
        elif child.tag in ODT_CONTAINERS:
            yield from odt_blocks(child)


def odt_table_rows(table: etree._Element) -> Iterator[str]:
    for child in table:
        if child.tag == TABLE + "table-row":
            cells = child.iterchildren(TABLE + "table-cell")
            yield "\t".join("\n".join(odt_blocks(cell)) for cell in cells)
        elif child.tag in ODT_CONTAINERS:
            yield from odt_table_rows(child)


def odt_inline(element: etree._Element) -> str:
    """A paragraph's text with its spans, links, spaces (text:s), tabs and line breaks;
    footnote bodies are kept, their citation marks are not."""
    pieces = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == TEXT + "s":
            pieces.append(" " * space_count(child.get(TEXT + "c")))
        elif tag == TEXT + "tab":
            pieces.append("\t")
        elif tag == TEXT + "line-break":
            pieces.append("\n")
        elif tag == TEXT + "note-citation":
            pass
        elif tag == TEXT + "note-body":
            pieces.append(" " + " ".join(odt_blocks(child)))
        elif isinstance(tag, str):
            pieces.append(odt_inline(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def space_count(declared: str | None) -> int:
    """The spaces a text:s element stands for (one when it says nothing usable, at most 100)."""
    return min(int(declared), 100) if declared and declared.isdigit() else 1

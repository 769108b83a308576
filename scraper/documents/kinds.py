"""What kind of document a file is, told by its content (magic bytes, container members),
never by its name or the server's Content-Type."""

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from lxml import etree

HEAD_BYTES = 8192  # enough of a file's start to tell its family
MAX_ZIP_ENTRIES_TO_INSPECT = 10_000
MAX_OLE_DIRECTORY_SECTORS = 512


class Kind(StrEnum):
    PDF = "pdf"
    DOC = "doc"
    DOCX = "docx"
    XLS = "xls"
    XLSX = "xlsx"
    ODT = "odt"
    ODS = "ods"
    RTF = "rtf"
    ZIP = "zip"
    ENCRYPTED_OFFICE = "encrypted-office"  # an OOXML file sealed with a password


@dataclass(frozen=True)
class NotADocument:
    """A file that is none of the document kinds, and why."""

    reason: str


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
OTHER_FAMILIES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"%!PS", "a PostScript file"),
    (b"AT&TFORM", "a DjVu file"),
)
HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": Kind.DOCX,
    "application/vnd.ms-word.document.macroenabled.main+xml": Kind.DOCX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": Kind.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": Kind.XLSX,
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": Kind.XLSX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": Kind.XLSX,
}
ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": Kind.ODT,
    "application/vnd.oasis.opendocument.text-template": Kind.ODT,
    "application/vnd.oasis.opendocument.spreadsheet": Kind.ODS,
    "application/vnd.oasis.opendocument.spreadsheet-template": Kind.ODS,
}
OLE_STREAMS = {
    "worddocument": Kind.DOC,
    "workbook": Kind.XLS,
    "book": Kind.XLS,
    "encryptedpackage": Kind.ENCRYPTED_OFFICE,
}
OLE_OTHER_STREAMS = {
    "powerpoint document": "a PowerPoint presentation (not a supported document kind)",
}


def sniff(head: bytes) -> Kind | NotADocument | None:
    """What a file's first bytes say: a kind, not a document (with the reason), or None when
    the rest of the file must be read to decide (OLE2 and ZIP containers).

    A download can check its first chunk with this and stop at an HTML page at once."""
    if not head:
        return NotADocument("an empty file")
    if head.startswith(OLE2_MAGIC) or head.startswith(ZIP_MAGICS):
        return None  # a stored member may itself start with %PDF-: the container comes first
    if b"%PDF-" in head[:1024]:
        return Kind.PDF
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return Kind.RTF
    stripped = head.removeprefix(b"\xef\xbb\xbf")
    if HTML_START.match(stripped) or b"<html" in head[:2048].lower():
        return NotADocument("an HTML page")
    for magic, family in OTHER_FAMILIES:
        if head.startswith(magic):
            return NotADocument(family)
    if stripped.lstrip().startswith(b"<?xml"):
        return NotADocument("an XML file")
    return NotADocument(f"unrecognised content (starts {head[:16]!r})")


def identify(path: Path) -> Kind | NotADocument:
    """The kind of the document stored at `path`, or why it is not one."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
        verdict = sniff(head)
        if verdict is not None:
            return verdict
        if head.startswith(OLE2_MAGIC):
            return ole2_kind(file)
    return zip_kind(path)


def ole2_kind(file: BinaryIO) -> Kind | NotADocument:
    """Word, Excel or a password-sealed OOXML file, by the root streams of an OLE2 compound
    file; read with bounded seeks, never the whole file."""
    try:
        names = ole2_root_names(file)
    except (struct.error, ValueError) as error:
        return NotADocument(f"a damaged OLE2 compound file ({error})")
    for name in names:
        if name in OLE_STREAMS:
            return OLE_STREAMS[name]
    for name in names:
        if name in OLE_OTHER_STREAMS:
            return NotADocument(OLE_OTHER_STREAMS[name])
    return NotADocument("an OLE2 compound file that is neither a Word nor an Excel document")


def ole2_root_names(file: BinaryIO) -> list[str]:
    """The lower-cased names of the entries of an OLE2 compound file's directory."""
    file.seek(0)
    header = file.read(512)
    if len(header) < 512:
        raise ValueError("shorter than its header")
    sector_shift = struct.unpack_from("<H", header, 30)[0]
    if sector_shift not in (9, 12):
        raise ValueError(f"sector shift {sector_shift}")
    sector_size = 1 << sector_shift
    first_directory_sector = struct.unpack_from("<I", header, 48)[0]
    fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s < 0xFFFFFFFA]
    entries_per_fat_sector = sector_size // 4

    def read_sector(number: int) -> bytes:
        file.seek((number + 1) * sector_size)
        data = file.read(sector_size)
        if len(data) < sector_size:
            raise ValueError(f"sector {number} past the end")
        return data

    def next_sector(number: int) -> int:
        index, offset = divmod(number, entries_per_fat_sector)
        if index >= len(fat_sectors):
            return 0xFFFFFFFE  # the chain leaves the header's FAT list: read no further
        return int(struct.unpack_from("<I", read_sector(fat_sectors[index]), offset * 4)[0])

    names: list[str] = []
    sector = first_directory_sector
    seen: set[int] = set()
    while sector < 0xFFFFFFFA and sector not in seen and len(seen) < MAX_OLE_DIRECTORY_SECTORS:
        seen.add(sector)
        data = read_sector(sector)
        for start in range(0, sector_size, 128):
            length = struct.unpack_from("<H", data, start + 64)[0]
            if 2 <= length <= 64:
                name = data[start : start + length - 2].decode("utf-16-le", "replace")
                names.append(name.lower())
        sector = next_sector(sector)
    if not names:
        raise ValueError("no directory entries")
    return names


def zip_kind(path: Path) -> Kind | NotADocument:
    """DOCX, XLSX, ODT, ODS or a plain ZIP, by the members that name the package's type."""
    try:
        if zip_entry_count(path) > MAX_ZIP_ENTRIES_TO_INSPECT:
            return Kind.ZIP  # no office package has that many parts; not worth reading
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = read_small_member(archive, "mimetype").decode("ascii", "replace").strip()
                if declared in ODF_MIMETYPES:
                    return ODF_MIMETYPES[declared]
            if "[Content_Types].xml" in names:
                content_types = read_small_member(archive, "[Content_Types].xml")
                kind = ooxml_kind(content_types)
                if kind is not None:
                    return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as error:
        return NotADocument(f"a damaged ZIP file ({error})")
    return Kind.ZIP


def zip_entry_count(path: Path) -> int:
    """The entry count a ZIP's end record declares, read before its central directory is
    (65,535 stands for a ZIP64 count); 0 when there is no end record."""
    with path.open("rb") as file:
        size = file.seek(0, 2)
        tail_size = min(size, 22 + 65_535)
        file.seek(size - tail_size)
        tail = file.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return 0
    return int(struct.unpack_from("<H", tail, end + 10)[0])


def read_small_member(archive: zipfile.ZipFile, name: str, limit: int = 1 << 20) -> bytes:
    """A package's small descriptive member, read no further than `limit` bytes."""
    with archive.open(name) as member:
        return member.read(limit)


def ooxml_kind(content_types: bytes) -> Kind | None:
    """The OOXML kind whose main part [Content_Types].xml declares, if any."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(content_types, parser)
    except etree.XMLSyntaxError:
        return None
    for element in root.iter("{*}Override", "{*}Default"):
        declared = (element.get("ContentType") or "").lower()
        if declared in OOXML_MAIN_TYPES:
            return OOXML_MAIN_TYPES[declared]
    return None

"""Documents made in the tests from known Russian text: PDFs (with a text layer in DejaVu, with
a broken font map, scanned), DOCX, ODT, XLSX, ODS, RTF in windows-1251, ZIPs and hostile files;
and the character F1 that measures an extraction against the known text."""

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from pathlib import Path
from xml.sax.saxutils import escape

from fpdf import FPDF
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")
SANS = FONTS / "DejaVuSans.ttf"
SERIF = FONTS / "DejaVuSerif.ttf"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"

DECREE = (
    "Администрация города Смоленска сообщает о проведении публичных слушаний по проекту "
    "планировки территории в границах улиц Нахимова, Кирова и проспекта Гагарина.",
    "Публичные слушания состоятся 14 марта 2025 года в 15 часов 00 минут в здании "
    "администрации по адресу: город Смоленск, улица Октябрьской революции, дом 1/2.",
    "Предложения и замечания по проекту принимаются в письменной форме до 12 марта 2025 года "
    "включительно; к ним прилагаются сведения о заявителе и его подпись.",
    "Экспозиция материалов проекта открыта с 20 февраля по 12 марта в рабочие дни с 9 до 17 "
    "часов; консультации проводит комитет по градостроительной деятельности.",
)
PROTOCOL = (
    "Протокол общественных обсуждений № 7 от 21 апреля 2025 года.",
    "Присутствовали: председатель комиссии Иванова Е. В., секретарь Петров С. А., "
    "представители жителей Заднепровского района.",
    "Решили: одобрить проект благоустройства сквера у Лопатинского сада и направить "
    "заключение Главе города Смоленска для принятия решения.",
)
TABLE = (
    ("Номер участка", "Адрес", "Площадь, кв. м"),
    ("67:27:0020101:15", "ул. Нахимова, д. 12", "1540"),
    ("67:27:0020101:16", "ул. Кирова, д. 3а", "872"),
)

PLOTS: dict[str, Sequence[Sequence[str | int]]] = {
    "Участки": TABLE,
    "Итоги": (("Всего участков", 2), ("Общая площадь, кв. м", 2412)),
}


def words(text: str) -> str:
    """Text with each run of whitespace made one space, for comparisons."""
    return " ".join(text.split())


def char_f1(expected: str, extracted: str) -> float:
    """Character F1 of an extraction: characters in matching runs of the two texts (aligned
    in order, whitespace normalised), as precision and recall against the known text."""
    truth, found = words(expected), words(extracted)
    if not truth or not found:
        return 0.0
    matcher = SequenceMatcher(None, truth, found, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    precision, recall = matched / len(found), matched / len(truth)
    return 0.0 if not matched else 2 * precision * recall / (precision + recall)


# PDFs -----------------------------------------------------------------------------------


def text_pdf(pages: Sequence[Sequence[str]], compress: bool = True) -> bytes:
    """A PDF with one page per item, each paragraph in DejaVu Sans (a subset with its
    ToUnicode map, as most writers embed fonts)."""
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.add_font("DejaVu", fname=str(SANS))
    pdf.set_font("DejaVu", size=12)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


_UNICODE_DESTINATION = re.compile(rb"(<[0-9A-F]{4}> )<04([0-9A-F]{2})>")


def broken_font_map_pdf(paragraphs: Sequence[str], shift: str = "ascii") -> bytes:
    """A one-page PDF whose font's ToUnicode map sends each Cyrillic glyph to the wrong code
    point, as in PDFs whose text copies out as noise: 'ascii' to digits, punctuation and
    capitals (U+04xx → U+00xx), 'latin1' to Latin-1 letters (U+0410 → U+00C0, a Windows-1251
    font read as Windows-1252). The page looks right; only its text layer is wrong."""
    data = text_pdf([paragraphs], compress=False)

    def wrong(match: re.Match[bytes]) -> bytes:
        low = int(match.group(2), 16)
        if shift == "ascii":
            return match.group(1) + b"<00%02X>" % low
        return match.group(1) + b"<00%02X>" % min(0xFF, low + 0xB0)

    broken, count = _UNICODE_DESTINATION.subn(wrong, data)
    assert count > 10, "the font's ToUnicode map was not found"
    assert len(broken) == len(data)  # same length: the cross-reference offsets still hold
    return broken


def page_image(paragraphs: Sequence[str], dpi: int = 300) -> Image.Image:
    """An A4 page at `dpi` with the paragraphs drawn in DejaVu Serif at 12 pt, black on white,
    as a scanner would give it."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(SERIF), size=round(12 * dpi / 72))
    margin = round(0.9 * dpi)
    y = margin
    line_height = round(font.size * 1.5)
    for paragraph in paragraphs:
        for line in wrap(paragraph, font, width - 2 * margin):
            draw.text((margin, y), line, font=font, fill=0)
            y += line_height
        y += line_height // 2
    return image


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    return [*lines, current] if current else lines


def scanned_pdf(pages: Sequence[Sequence[str]], dpi: int = 300, worn: bool = False) -> bytes:
    """A PDF of page images only (no text layer), as a scanner writes one; `worn` pages are
    skewed, grey, speckled and soft, as an office copier gives them."""
    images = [page_image(paragraphs, dpi) for paragraphs in pages]
    if worn:
        images = [wear(image, seed) for seed, image in enumerate(images)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def wear(image: Image.Image, seed: int) -> Image.Image:
    """The page turned by 0.8°, speckled (seeded noise), blurred and lowered in contrast."""
    image = image.rotate(0.8, resample=Image.Resampling.BICUBIC, fillcolor=255)
    noise = Image.frombytes(
        "L", image.size, random.Random(seed).randbytes(image.width * image.height)
    )
    image = ImageChops.multiply(image, noise.point(lambda value: 255 if value > 40 else 190))
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    return image.point(lambda value: int(40 + value * 0.75))


def mixed_pdf(text_page: Sequence[str], scanned_page: Sequence[str], scratch: Path) -> bytes:
    """Page 1 with a text layer, page 2 a scan: how annexes are often appended."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(SANS))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for paragraph in text_page:
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
    image_path = scratch / "scan.png"
    page_image(scanned_page).save(image_path)
    pdf.add_page()
    pdf.image(str(image_path), x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def headed_scan_pdf(heading: str, scanned: Sequence[str], scratch: Path) -> bytes:
    """A page with a typed heading (a text layer) over a scan of the rest: an annex signed,
    scanned, and given its number by the site's editor."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(SANS))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
    image_path = scratch / "annex.png"
    page_image(scanned).save(image_path)
    pdf.image(str(image_path), x=0, y=30, w=pdf.w, h=pdf.h - 30)
    return bytes(pdf.output())


def encrypted_pdf(paragraphs: Sequence[str]) -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_font("DejaVu", fname=str(SANS))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    for paragraph in paragraphs:
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def million_page_pdf(levels: int = 6) -> bytes:
    """A PDF of a few hundred bytes whose page tree declares 10**levels pages: each node of
    the tree lists the next node ten times."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = 2 + level
        count = 10 ** (levels - level)
        kids = b" ".join([b"%d 0 R" % (number + 1)] * 10)
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%s] /Count %d%s >>" % (kids, count, parent))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % (1 + levels))
    return assemble_pdf(objects)


def assemble_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF of the given objects (numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def flate_bomb_pdf(unpacked_mib: int) -> bytes:
    """A one-page PDF whose content stream is `unpacked_mib` MiB of spaces packed by zlib."""
    packer = zlib.compressobj(1)  # fast to make; still over 200 to 1
    chunk = b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(unpacked_mib)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed),
    ]
    return assemble_pdf(objects)


# Office documents ---------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    """A DOCX written as Word lays one out: the paragraphs, then a table of plain cells."""

    def paragraph(text: str) -> str:
        return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    rows = "".join(
        "<w:tr>" + "".join(f"<w:tc><w:tcPr/>{paragraph(cell)}</w:tc>" for cell in row) + "</w:tr>"
        for row in table
    )
    body = "".join(paragraph(text) for text in paragraphs)
    if rows:
        grid = "".join('<w:gridCol w:w="3000"/>' for _ in table[0])
        body += f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>"
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(
                main="/word/document.xml",
                type="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                more="",
            ),
            "_rels/.rels": ROOT_RELS.format(target="word/document.xml"),
            "word/document.xml": document,
        }
    )


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="{main}" ContentType="{type}"/>{more}</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)


def xlsx(sheets: dict[str, Sequence[Sequence[str | int]]]) -> bytes:
    """An XLSX with inline-string and number cells, one worksheet per item."""
    sheet_entries, rels, overrides, parts = [], [], [], {}
    for index, (name, rows) in enumerate(sheets.items(), start=1):
        sheet_entries.append(f'<sheet name="{escape(name)}" sheetId="{index}" r:id="rId{index}"/>')
        rels.append(
            f'<Relationship Id="rId{index}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{index}.xml"/>'
        )
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{index}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        parts[f"xl/worksheets/sheet{index}.xml"] = worksheet(rows)
    parts["xl/workbook.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{''.join(sheet_entries)}</sheets></workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{''.join(rels)}</Relationships>"
    )
    parts["_rels/.rels"] = ROOT_RELS.format(target="xl/workbook.xml")
    parts["[Content_Types].xml"] = CONTENT_TYPES.format(
        main="/xl/workbook.xml",
        type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        more="".join(overrides),
    )
    return zip_of(parts)


def worksheet(rows: Sequence[Sequence[str | int]]) -> str:
    def cell(column: int, row: int, value: str | int) -> str:
        ref = f"{chr(ord('A') + column)}{row}"
        if isinstance(value, int):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    body = "".join(
        f'<row r="{r}">' + "".join(cell(c, r, v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" office:version="1.3"'
)


def odf(mimetype: str, body: str) -> bytes:
    """An ODF package: the mimetype first and stored, a manifest, content.xml."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<office:document-content {ODF_NAMESPACES}><office:body>{body}</office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<manifest:manifest {ODF_NAMESPACES}>"
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return zip_of({"mimetype": mimetype, "META-INF/manifest.xml": manifest, "content.xml": content})


def odt(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    """An ODT: a heading, the paragraphs (one with a doubled space written as text:s), a table."""
    heading, *rest = paragraphs
    body = f'<text:h text:outline-level="1">{escape(heading)}</text:h>'
    for text in rest:
        first, _, others = text.partition(" ")
        body += f"<text:p>{escape(first)}<text:s/><text:span>{escape(others)}</text:span></text:p>"
    if table:
        rows = "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{escape(cell)}</text:p>'
                "</table:table-cell>"
                for cell in row
            )
            + "</table:table-row>"
            for row in table
        )
        body += f'<table:table table:name="Участки">{rows}</table:table>'
    return odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def ods(sheets: dict[str, Sequence[Sequence[str | int]]]) -> bytes:
    def cell(value: str | int) -> str:
        if isinstance(value, int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p>'
            "</table:table-cell>"
        )

    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    return odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        f"<office:spreadsheet>{tables}</office:spreadsheet>",
    )


def rtf_1251(
    paragraphs: Sequence[str], font_charset: int = 204, raw_bytes: bool = False, repeat: int = 1
) -> bytes:
    """An RTF in windows-1251 as Word writes one (\\'xx escapes, \\fcharset204), or with the
    font marked ANSI (\\fcharset0) as WordPad and generators do, or with the code page's bytes
    written raw (`raw_bytes`); the body `repeat` times over."""

    def encoded(text: str) -> bytes:
        out = bytearray()
        for char in text:
            if char in "\\{}":
                out += b"\\" + char.encode()
            elif char.isascii():
                out += char.encode()
            elif raw_bytes:
                out += char.encode("cp1251")
            else:
                out += b"\\'%02x" % char.encode("cp1251")[0]
        return bytes(out)

    header = (
        b"{\\rtf1\\ansi\\ansicpg1251\\deff0\\deflang1049"
        b"{\\fonttbl{\\f0\\froman\\fcharset%d Times New Roman;}}"
        b"{\\info{\\title \\'cf\\'f0\\'ee\\'f2\\'ee\\'ea\\'ee\\'eb}}"
        b"\\viewkind4\\uc1\\pard\\f0\\fs24 " % font_charset
    )
    body = b"\\par\n".join(encoded(paragraph) for paragraph in paragraphs) + b"\\par\n"
    return header + body * repeat + b"}"


# Containers ---------------------------------------------------------------------------------


def zip_of(members: dict[str, str | bytes], utf8_names: bool = True) -> bytes:
    """A ZIP of the members in order (the first stored, the others deflated); names without
    the UTF-8 flag are written in cp866, as Windows' own ZIP writer does on Russian systems."""
    buffer = io.BytesIO()
    placeholders: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, data) in enumerate(members.items()):
            if not utf8_names and not name.isascii():
                # zipfile writes non-ASCII names as UTF-8: write a same-length ASCII name,
                # then put the cp866 bytes in its place (local header and central directory).
                placeholder = f"~{index:0{len(name) - 1}d}"
                placeholders[placeholder.encode()] = name.encode("cp866")
                name = placeholder
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_STORED if index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    data = buffer.getvalue()
    for placeholder, legacy in placeholders.items():
        assert data.count(placeholder) == 2
        data = data.replace(placeholder, legacy)
    return data


def zip_bomb(unpacked_mib: int) -> bytes:
    """A ZIP whose one member is `unpacked_mib` MiB of zeros."""
    buffer = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("zeros.pdf", "w", force_zip64=True) as member,
    ):
        for _ in range(unpacked_mib):
            member.write(chunk)
    return buffer.getvalue()


def docx_bomb(unpacked_mib: int) -> bytes:
    """A DOCX whose word/document.xml unpacks to `unpacked_mib` MiB (of spaces in the body)."""
    package = zipfile.ZipFile(io.BytesIO(docx(["Начало"])))
    buffer = io.BytesIO()
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in ("[Content_Types].xml", "_rels/.rels"):
            archive.writestr(name, package.read(name))
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(f'<w:document xmlns:w="{W_NS}"><w:body>'.encode())
            for _ in range(unpacked_mib):
                member.write(chunk)
            member.write(b"</w:body></w:document>")
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def joined(paragraphs: Iterable[str]) -> str:
    return "\n".join(paragraphs)


def ole2_with_streams(names: Sequence[str]) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors: header, one FAT sector, one directory
    sector) whose root holds empty streams of these names (at most three)."""
    assert len(names) <= 3
    free = 0xFFFFFFFF
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16))
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIII", 0, 1, 1, 0)  # directory sectors, FAT sectors, first directory
    header += struct.pack("<IIIII", 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)  # no mini FAT, no DIFAT
    header += struct.pack("<109I", 0, *[free] * 108)
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + struct.pack("<126I", *[free] * 126)

    def entry(name: str, kind: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, free, free)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", 0xFFFFFFFE, 0)
        )

    entries = [entry("Root Entry", 5), *(entry(name, 2) for name in names)]
    directory = b"".join(entries).ljust(512, b"\0")
    return bytes(header) + fat + directory

"""A PDF's text, page by page: the text layer where it reads as text, Tesseract where it does
not (a scan, or a broken font map)."""

import itertools
import math
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from scraper.documents.kinds import Kind
from scraper.documents.ocr import ocr_page_image, ocr_unavailable
from scraper.documents.quality import FEW_CHARACTERS, judge_text_layer
from scraper.documents.results import (
    DocumentText,
    ExtractionFailed,
    ExtractOptions,
    Method,
    TextPart,
    clean_text,
)
from scraper.documents.tools import ToolFailed

SHORT_LAYER = 200  # characters: under this, a page mostly covered by an image is a scan
SCAN_SHARE = 0.5
MAX_IMAGES_MEASURED = 50


def extract_pdf(path: Path, options: ExtractOptions) -> DocumentText:
    """Every page's text; ExtractionFailed for a PDF that cannot be opened or is too long."""
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise ExtractionFailed(open_failure(str(error))) from error
    try:
        count = len(document)
        if count > options.max_pages:
            raise ExtractionFailed(f"{count} pages, more than the cap of {options.max_pages}")
        reader = PageReader(options)
        parts = [reader.read(document, number) for number in range(1, count + 1)]
    finally:
        document.close()
    return DocumentText(kind=Kind.PDF, method=pdf_method(parts), pages=count, parts=tuple(parts))


PDFIUM_REASON = re.compile(r"\((PDFium: [^)]*)\)")


def open_failure(message: str) -> str:
    """A reason for a PDF that PDFium cannot open, from PDFium's message."""
    if "password" in message.lower():
        return "a password-protected PDF"
    reason = PDFIUM_REASON.search(message)
    return f"a damaged PDF ({reason.group(1) if reason else message})"


def pdf_method(parts: list[TextPart]) -> str:
    """'text-layer', 'ocr' or 'text-layer+ocr' by what gave text; 'ocr-waiting' when only
    OCR could give it and it has not run."""
    gave_text = {part.method for part in parts if part.text}
    used = [method for method in (Method.TEXT_LAYER, Method.OCR) if method in gave_text]
    if used:
        return "+".join(used)
    if any(part.method is Method.OCR_WAITING for part in parts):
        return Method.OCR_WAITING
    return Method.TEXT_LAYER


class PageReader:
    """Reads pages one by one, counting the pages sent to OCR and the characters so far."""

    def __init__(self, options: ExtractOptions) -> None:
        self.options = options
        self.ocr_pages = 0
        self.characters = 0

    def read(self, document: pdfium.PdfDocument, number: int) -> TextPart:
        page = document[number - 1]
        try:
            part = self.read_page(page, number)
        finally:
            page.close()
        self.characters += len(part.text)
        if self.characters > self.options.max_characters:
            raise ExtractionFailed(
                f"more than {self.options.max_characters:,} characters of text".replace(",", " ")
            )
        return part

    def read_page(self, page: pdfium.PdfPage, number: int) -> TextPart:
        textpage = page.get_textpage()
        try:
            layer = clean_text(textpage.get_text_range())
        finally:
            textpage.close()
        verdict = judge_text_layer(layer)
        if verdict.readable:
            reason = scan_under_text(page, len("".join(layer.split())))
            if reason is None:
                return TextPart(layer, Method.TEXT_LAYER, page=number)
        elif not layer and not has_objects(page):
            return TextPart("", Method.TEXT_LAYER, page=number, note="a blank page")
        else:
            reason = verdict.reason or "no text layer"
        return self.ocr(page, number, reason, fallback=layer if verdict.readable else "")

    def ocr(self, page: pdfium.PdfPage, number: int, reason: str, fallback: str) -> TextPart:
        unavailable = ocr_unavailable(self.options)
        if unavailable:
            note = f"{reason}; {unavailable}"
            return TextPart(fallback, Method.OCR_WAITING, page=number, note=note)
        if self.ocr_pages >= self.options.ocr_max_pages:
            note = f"{reason}; past the OCR cap of {self.options.ocr_max_pages} pages"
            return TextPart(fallback, Method.OCR_WAITING, page=number, note=note)
        self.ocr_pages += 1
        try:
            pgm, dpi = render_grayscale(page, self.options)
            text = clean_text(ocr_page_image(pgm, dpi, self.options))
        except (ToolFailed, pdfium.PdfiumError, ValueError) as error:
            return TextPart(fallback, Method.OCR_FAILED, page=number, note=f"{reason}; {error}")
        return TextPart(text or fallback, Method.OCR, page=number, note=reason)


def has_objects(page: pdfium.PdfPage) -> bool:
    return next(iter(page.get_objects()), None) is not None


def scan_under_text(page: pdfium.PdfPage, characters: int) -> str | None:
    """Why a page with a readable but short text layer is read by OCR too: its images hold
    the rest (a scan with a typed heading, or a scanner's stamp), or None."""
    if characters >= SHORT_LAYER:
        return None
    share = image_share(page)
    if share >= SCAN_SHARE:
        return f"{characters} characters of text over a page {round(100 * share)}% image"
    if share > 0 and characters < FEW_CHARACTERS:
        return "little text on a page with images"
    return None


def image_share(page: pdfium.PdfPage) -> float:
    """The share of the page the largest of its first images covers."""
    width, height = page.get_size()
    area = float(width * height)
    if area <= 0:
        return 0.0
    images = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
    largest = 0.0
    for image in itertools.islice(images, MAX_IMAGES_MEASURED):
        left, bottom, right, top = image.get_bounds()
        largest = max(largest, float((right - left) * (top - bottom)))
    return min(1.0, largest / area)


def render_grayscale(page: pdfium.PdfPage, options: ExtractOptions) -> tuple[bytes, int]:
    """The page as a grayscale PGM image at the OCR resolution (lower for pages so large that
    it would pass `ocr_max_pixels`), and the resolution used."""
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        raise ValueError(f"the page measures {width:g} × {height:g} points")
    scale = options.ocr_dpi / 72
    area = width * height * scale * scale
    if area > options.ocr_max_pixels:
        scale *= math.sqrt(options.ocr_max_pixels / area)
    bitmap = page.render(scale=scale, grayscale=True, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
    try:
        pixels = bytes(bitmap.buffer)
        columns, rows, stride = bitmap.width, bitmap.height, bitmap.stride
    finally:
        bitmap.close()
    if stride != columns:
        pixels = b"".join(pixels[row * stride : row * stride + columns] for row in range(rows))
    return b"P5\n%d %d\n255\n" % (columns, rows) + pixels, round(scale * 72)

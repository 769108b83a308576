"""Tesseract through its command line: whether it can read Russian here, and the text of a
page image."""

import functools
import shutil

from scraper.documents.results import ExtractOptions
from scraper.documents.tools import ToolFailed, ToolLimits, run_tool

# One thread per run: extraction already runs one process per core.
TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}


def tool_limits(options: ExtractOptions) -> ToolLimits:
    return ToolLimits(options.tool_seconds, options.tool_cpu_seconds, options.tool_memory_bytes)


def tessdata_arguments(options: ExtractOptions) -> list[str]:
    return ["--tessdata-dir", options.ocr_tessdata_dir] if options.ocr_tessdata_dir else []


def ocr_unavailable(options: ExtractOptions) -> str | None:
    """Why OCR cannot run here with these options (said once per run by the caller), or None."""
    return _unavailable(options.ocr_command, options.ocr_languages, options.ocr_tessdata_dir)


@functools.cache
def _unavailable(command: str, languages: str, tessdata_dir: str | None) -> str | None:
    if shutil.which(command) is None:
        return f"Tesseract is not installed (no {command} command; Debian: tesseract-ocr)"
    listing = [command, *(["--tessdata-dir", tessdata_dir] if tessdata_dir else []), "--list-langs"]
    try:
        output = run_tool(listing, ToolLimits(30, 10, 1 << 30), env=TESSERACT_ENV)
    except ToolFailed as error:
        return f"Tesseract does not run: {error}"
    # The first line names the folder; each further line is one language.
    installed = set(output.decode("utf-8", "replace").splitlines()[1:])
    missing = [language for language in languages.split("+") if language not in installed]
    if missing:
        packages = ", ".join(f"tesseract-ocr-{language}" for language in missing)
        return f"Tesseract has no data for {'+'.join(missing)} (Debian: {packages})"
    return None


def ocr_page_image(pgm: bytes, dpi: int, options: ExtractOptions) -> str:
    """The text Tesseract reads in a grayscale page image (PGM bytes); ToolFailed if it fails."""
    command = [
        options.ocr_command,
        "stdin",
        "stdout",
        *tessdata_arguments(options),
        "-l",
        options.ocr_languages,
        "--dpi",
        str(dpi),
    ]
    output = run_tool(command, tool_limits(options), stdin=pgm, env=TESSERACT_ENV)
    return output.decode("utf-8", "replace")

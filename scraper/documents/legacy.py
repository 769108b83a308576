"""The text of legacy Word (.doc) files, read by antiword, or by catdoc where antiword cannot
read a file or is not installed (both from Debian)."""

from pathlib import Path

from scraper.documents.kinds import Kind
from scraper.documents.ocr import tool_limits
from scraper.documents.results import (
    DocumentText,
    ExtractionFailed,
    ExtractOptions,
    Method,
    TextPart,
    clean_text,
)
from scraper.documents.tools import ToolFailed, run_tool


def extract_doc(path: Path, options: ExtractOptions) -> DocumentText:
    """antiword's text in UTF-8 without line wrapping (its tables as tab-separated rows);
    catdoc's (-w: unwrapped, -d utf-8) when antiword fails."""
    reasons = []
    for command, method, convert in (
        ([options.antiword_command, "-m", "UTF-8.txt", "-w", "0"], Method.ANTIWORD, table_rows),
        ([options.catdoc_command, "-w", "-d", "utf-8"], Method.CATDOC, str),
    ):
        try:
            output = run_tool([*command, str(path)], tool_limits(options))
        except ToolFailed as error:
            reasons.append(str(error))
            continue
        text = clean_text(convert(output.decode("utf-8", "replace")))
        if len(text) > options.max_characters:
            raise ExtractionFailed(f"more than {options.max_characters} characters of text")
        return DocumentText(
            kind=Kind.DOC, method=method, pages=None, parts=(TextPart(text, method),)
        )
    raise ExtractionFailed("; ".join(reasons))


def table_rows(text: str) -> str:
    """antiword's tables (|cell   |cell   |) as rows of tab-separated cells."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        lines.append(line)
    return "\n".join(lines)

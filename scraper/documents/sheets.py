"""The text of XLS, XLSX and ODS workbooks, sheet by sheet, read with python-calamine."""

import datetime
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from scraper.documents.kinds import Kind
from scraper.documents.results import (
    DocumentText,
    ExtractionFailed,
    ExtractOptions,
    Method,
    TextPart,
    clean_text,
)

Cell = (
    int
    | float
    | str
    | bool
    | datetime.time
    | datetime.date
    | datetime.datetime
    | datetime.timedelta
)


def extract_workbook(path: Path, kind: Kind, options: ExtractOptions) -> DocumentText:
    """One part per sheet: a line per row, its non-empty cells separated by tabs."""
    parts: list[TextPart] = []
    characters = 0
    try:
        # From an open file, calamine tells the format by content: stored files have no
        # extension.
        with path.open("rb") as file, CalamineWorkbook.from_filelike(file) as workbook:
            for name in workbook.sheet_names:
                lines: list[str] = []
                for row in workbook.get_sheet_by_name(name).iter_rows():
                    line = "\t".join(cell_text(cell) for cell in row if cell != "")
                    characters += len(line) + 1
                    if characters > options.max_characters:
                        raise ExtractionFailed(
                            f"more than {options.max_characters} characters of text"
                        )
                    if line.strip():
                        lines.append(line)
                parts.append(TextPart(clean_text("\n".join(lines)), Method.SPREADSHEET, sheet=name))
    except PasswordError as error:
        raise ExtractionFailed("a password-protected workbook") from error
    except CalamineError as error:
        raise ExtractionFailed(f"a damaged workbook ({error})") from error
    return DocumentText(kind=kind, method=Method.SPREADSHEET, pages=None, parts=tuple(parts))


def cell_text(cell: Cell) -> str:
    """A cell as a reader sees it: whole numbers without '.0', dates as ISO dates."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        return cell.date().isoformat()
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell)

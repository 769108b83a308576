"""Rows for other programs: a JSON array or CSV written row by row, as export writes them."""

import json
from collections.abc import Iterable
from typing import Any, TextIO


def write_json_array(stream: TextIO, rows: Iterable[dict[str, Any]]) -> int:
    """Rows as one JSON array, written row by row; how many."""
    count = 0
    for count, row in enumerate(rows, start=1):
        element = json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        stream.write(("[\n  " if count == 1 else ",\n  ") + element)
    stream.write("\n]\n" if count else "[]\n")
    return count


def write_csv(stream: TextIO, fields: Iterable[str], rows: Iterable[dict[str, Any]]) -> int:
    """Rows as CSV, written like export's: UTF-8 with a byte-order mark, CRLF lines; how many."""
    from exports.writers import CSV_ENCODING, csv_line

    names = list(fields)
    stream.flush()
    stream.buffer.write(csv_line(names).encode(CSV_ENCODING))
    count = 0
    for row in rows:
        stream.buffer.write(csv_line(row[name] for name in names).encode("utf-8"))
        count += 1
    stream.buffer.flush()
    return count

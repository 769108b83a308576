"""The CSV writer's own quoting gives exactly what the csv module (RFC 4180) would write."""

import csv
import io
import json

from exports.records import FIELDS
from exports.writers import write_records

TRICKY = [
    "",
    "plain",
    "с запятой, внутри",
    'кавычки "ёлки" внутри',
    '"',
    "строка\nперевод",
    "возврат\rкаретки",
    "оба\r\nконца",
    "  пробелы по краям  ",
    "точка;с запятой\tи таб",
    "emoji 🎄 и «ёлочки»",
]


def reference_csv(records: list[dict]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow(
            [
                (
                    csv_json(record[name])
                    if name in ("images", "attachments", "documents")
                    else record[name]
                )
                for name in FIELDS
            ]
        )
    return stream.getvalue()


def csv_json(value: list) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_csv_cells_are_quoted_exactly_as_the_csv_module_quotes_them() -> None:
    records = []
    for number, text in enumerate(TRICKY * 3):
        record = dict.fromkeys(FIELDS)
        record.update(
            url=f"https://www.smoladmin.ru/press-centr/novosti/{number}",
            title=text,
            body_text=text[::-1] + TRICKY[(number + 1) % len(TRICKY)],
            views=number if number % 2 else None,
            images=[text] if number % 3 else [],
            attachments=[{"url": "https://x/y.pdf", "title": text}] if number % 4 else [],
            documents=[{"url": "https://x/y.pdf", "title": text, "text_status": "waiting"}]
            if number % 5
            else [],
        )
        records.append(record)
    stream = io.StringIO()
    assert write_records(records, "csv", stream) == len(records)
    assert stream.getvalue() == reference_csv(records)

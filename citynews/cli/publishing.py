"""The commands that write the archive out for others: export, report, serve."""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.db import (
    check_sqlite_file,
    open_existing_archive,
    parse_db_url,
    redact,
    sqlite_file,
    sqlite_uri_file,
)
from citynews.cli.common import (
    EXIT_OK,
    UserError,
    date_range,
    day,
    reading,
    refuse_to_overwrite,
    section_key,
)
from exports.records import export_records
from exports.writers import (
    FORMATS,
    ExportError,
    export_file,
    is_special_file,
    write_records,
)
from scraper.settings import site_timezone


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    export = commands.add_parser(
        "export", help="write a CSV, JSON or JSONL snapshot", parents=[db_option]
    )
    export.add_argument(
        "--format",
        required=True,
        choices=(*FORMATS, "sqlite"),
        help="csv, json (one array), jsonl (one object a line) or sqlite (a copy of the archive)",
    )
    export.add_argument("--out", required=True, help="output file, or - for stdout")
    export.add_argument("--section", type=section_key, metavar="KEY", help="only this section")
    export.add_argument(
        "--since",
        type=day,
        metavar="YYYY-MM-DD",
        help="published on or after this day (site time zone)",
    )
    export.add_argument(
        "--until",
        type=day,
        metavar="YYYY-MM-DD",
        help="published on or before this day (site time zone)",
    )
    export.add_argument(
        "--history",
        action="store_true",
        help="add views_history and revisions to every record",
    )
    export.add_argument(
        "--with-document-text",
        action="store_true",
        help="add each document's text to its entry in documents",
    )
    export.add_argument(
        "--force",
        action="store_true",
        help="write --out even when it is an existing SQLite database (never the archive itself)",
    )
    export.set_defaults(handler=run_export)

    report = commands.add_parser(
        "report", help="a digest of a period as one HTML file, charts", parents=[db_option]
    )
    report.add_argument("--since", type=day, required=True, metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--until", type=day, required=True, metavar="YYYY-MM-DD", help="last day")
    report.add_argument("--out", required=True, help="the HTML file to write")
    report.set_defaults(handler=run_report)

    serve = commands.add_parser(
        "serve", help="browse the SQLite archive in Datasette, read-only", parents=[db_option]
    )
    serve.add_argument("--port", type=int, default=8001, help="default 8001")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    serve.set_defaults(handler=run_serve)


def run_export(args: argparse.Namespace) -> int:
    if args.out != "-":
        refuse_to_overwrite(args.out, args.db, force=args.force)
    if args.format == "sqlite":
        return export_sqlite_snapshot(args)
    since, until = date_range(args)
    tz = site_timezone()
    filters = {
        "section": args.section,
        "since": args.since.isoformat() if args.since else None,
        "until": args.until.isoformat() if args.until else None,
    }
    with reading(args) as session:
        records = export_records(
            session, tz, args.section, since, until, args.history, args.with_document_text
        )
        if args.out == "-":
            write_records(records, args.format, sys.stdout, args.history)
            return EXIT_OK
        if is_special_file(Path(args.out)):
            write_to_special_file(records, args.format, Path(args.out), args.history)
            return EXIT_OK
        manifest = export_file(
            records,
            args.format,
            Path(args.out),
            archive=redact(args.db),
            filters=filters,
            exported_at=datetime.now(UTC),
            history=args.history,
        )
    if sys.stderr.isatty():
        print(f"wrote {manifest.records} records to {args.out}", file=sys.stderr)
    return EXIT_OK


def write_to_special_file(records: Any, fmt: str, out: Path, history: bool) -> None:
    """Write an export straight into a device or pipe: never replaced, no manifest."""
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        stream = out.open("w", encoding=encoding, newline="")
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None
    with stream:
        write_records(records, fmt, stream, history)


def export_sqlite_snapshot(args: argparse.Namespace) -> int:
    from exports.sqlite_snapshot import copy_archive

    options = (args.section, args.since, args.until, args.history, args.with_document_text)
    if args.out == "-" or any(options):
        raise UserError("--format sqlite copies the whole archive to a file: give only --out")
    if is_special_file(Path(args.out)):
        raise UserError(f"--format sqlite writes a regular file, not {args.out}")
    engine = open_existing_archive(args.db).kw["bind"]
    try:
        articles = copy_archive(engine, Path(args.out))
    finally:
        engine.dispose()
    if sys.stderr.isatty():
        print(f"wrote {articles} articles to {args.out}", file=sys.stderr)
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    since, until = date_range(args)
    if since is None or until is None:
        raise UserError(
            "a report's --since and --until must be days between 0001-01-02 and 9999-12-30"
        )
    from citynews.digest import write_digest

    refuse_to_overwrite(args.out, args.db)
    tz = site_timezone()
    with reading(args) as session:
        write_digest(session, since, until, Path(args.out), tz)
    if sys.stderr.isatty():
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from citynews.serving import public_address_warning, servable_archive, serve_datasette

    parsed = parse_db_url(args.db)
    path = sqlite_file(parsed) or sqlite_uri_file(parsed)
    if path is None:
        raise UserError(
            "serve opens a SQLite archive; for PostgreSQL first run "
            "citynews export --format sqlite --out archive.sqlite3"
        )
    check_sqlite_file(path, parsed)
    for warning in (
        servable_archive(path, redact(parsed)),
        public_address_warning(args.host, args.port),
    ):
        if warning:
            print(f"citynews: warning: {warning}", file=sys.stderr)
    return serve_datasette(path, args.host, args.port)

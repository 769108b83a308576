"""The documents articles link: `citynews documents` lists them, `citynews documents extract`
reads the text of the stored files."""

import argparse
import sys
from typing import TYPE_CHECKING

from archive.document_queries import (
    STATUSES,
    DocumentFilters,
    count_linked_documents,
    iter_linked_documents,
)
from archive.document_store import DocumentStore
from citynews.cli.common import (
    DB_HELP,
    DOCUMENTS_DIR_HELP,
    EXIT_FAILED,
    EXIT_OK,
    CommandFailed,
    add_documents_dir_option,
    add_listing_options,
    date_range,
    day,
    exclusive_archive,
    reading,
    say,
    say_left_out,
    section_key,
)
from scraper.documents.kinds import Kind
from scraper.settings import site_timezone

if TYPE_CHECKING:  # the document readers load only when extraction runs
    from scraper.document_text import ExtractSummary

KINDS = tuple(str(kind) for kind in Kind)


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    documents = commands.add_parser(
        "documents",
        help="the documents articles link: list and filter them, read their text",
        parents=[db_option],
    )
    documents.add_argument(
        "--section",
        type=section_key,
        action="append",
        default=[],
        metavar="KEY",
        help="documents linked from this section's articles, repeatable",
    )
    documents.add_argument(
        "--since", type=day, metavar="YYYY-MM-DD", help="articles published on or after"
    )
    documents.add_argument(
        "--until", type=day, metavar="YYYY-MM-DD", help="articles published on or before"
    )
    documents.add_argument(
        "--type",
        dest="kinds",
        choices=KINDS,
        action="append",
        default=[],
        help="only this type of file, repeatable",
    )
    documents.add_argument(
        "--status",
        dest="statuses",
        choices=STATUSES,
        action="append",
        default=[],
        help="only documents in this state, repeatable",
    )
    documents.add_argument(
        "--removed", action="store_true", help="only documents the site no longer serves"
    )
    add_listing_options(documents)
    add_documents_dir_option(documents)
    documents.set_defaults(handler=run_documents)
    actions = documents.add_subparsers(dest="documents_command", metavar="ACTION")

    extract = actions.add_parser(
        "extract", help="read the text of the stored documents (no network)"
    )
    # Given before `extract`, --db and --documents-dir count: extract's own defaults stay out.
    extract.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    extract.add_argument(
        "--documents-dir", metavar="DIR", default=argparse.SUPPRESS, help=DOCUMENTS_DIR_HELP
    )
    extract.add_argument(
        "--retry-failed", action="store_true", help="read the files that failed before again"
    )
    extract.set_defaults(handler=run_extract)


def filters_of(args: argparse.Namespace) -> DocumentFilters:
    since, until = date_range(args)
    return DocumentFilters(
        sections=args.section,
        since=since,
        until=until,
        kinds=args.kinds,
        statuses=args.statuses,
        removed=args.removed,
    )


def run_documents(args: argparse.Namespace) -> int:
    from citynews.document_views import DOCUMENT_FIELDS, document_row, listing_entry
    from citynews.tabular import write_csv, write_json_array

    filters = filters_of(args)
    store = DocumentStore(args.documents_dir)
    tz = site_timezone()
    with reading(args) as session:
        found = iter_linked_documents(session, filters, args.limit or None)
        if args.format == "json":
            shown = write_json_array(sys.stdout, (document_row(d, store, tz) for d in found))
        elif args.format == "csv":
            rows = (document_row(d, store, tz) for d in found)
            shown = write_csv(sys.stdout, DOCUMENT_FIELDS, rows)
        else:
            shown = 0
            for shown, document in enumerate(found, start=1):
                say(listing_entry(shown, document, store, tz))
            if not shown:
                say("no documents match")
        if args.limit and shown == args.limit:
            total = count_linked_documents(session, filters)
            if total > shown:
                say_left_out(shown, total, "documents", args.format)
    return EXIT_OK


def run_extract(args: argparse.Namespace) -> int:
    from scraper.document_text import extract_stored

    def show_progress(summary: "ExtractSummary") -> None:
        print(f"\rread {summary.files} files", end="", file=sys.stderr, flush=True)

    terminal = sys.stderr.isatty()
    with exclusive_archive(args.db, "documents extract"):
        summary = extract_stored(
            args.db,
            args.documents_dir,
            retry_failed=args.retry_failed,
            progress=show_progress if terminal else lambda summary: None,
        )
    if terminal and summary.files:
        print(file=sys.stderr)
    if summary.ocr_note and summary.ocr_waiting:
        print(
            f"citynews: warning: {summary.ocr_note}: pages of {summary.ocr_waiting} file(s) "
            "wait for OCR; run citynews documents extract again once it is installed",
            file=sys.stderr,
        )
    say(extract_summary(summary))
    if summary.missing:
        raise CommandFailed(
            f"{summary.missing} stored file(s) the archive records are not in "
            f"{args.documents_dir} (is --documents-dir the folder the crawl kept them in?)",
            EXIT_FAILED,
        )
    return EXIT_OK


def extract_summary(summary: "ExtractSummary") -> str:
    """The one line `documents extract` ends with."""
    if not summary.files:
        return "no documents wait for their text"
    line = (
        f"read {summary.files} file(s): {summary.read} extracted, "
        f"{summary.ocr_waiting} waiting for OCR, {summary.failed} failed, "
        f"{summary.missing} missing"
    )
    if summary.failed:
        line += " (why: citynews documents --status failed)"
    return line

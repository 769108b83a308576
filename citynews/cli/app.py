"""The parser of every command, and running one: signals, broken pipes and the one line that
says why a command failed."""

import argparse
import logging
import os
import signal
import sys

from sqlalchemy.exc import DatabaseError

from archive.db import ArchiveError, error_reason
from citynews import __version__
from citynews.cli import (
    crawling,
    documents,
    following,
    maintenance,
    publishing,
    querying,
    watching,
)
from citynews.cli.common import (
    DB_HELP,
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CommandFailed,
    UserError,
)
from citynews.display import for_terminal
from citynews.safety import hide_credentials
from exports.writers import ExportError
from scraper.sections import UnknownSectionError
from scraper.settings import BadTimezone, database_url, documents_dir

COMMAND_GROUPS = (crawling, querying, following, watching, documents, publishing, maintenance)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citynews",
        description="Crawl smoladmin.ru news into a SQL archive, follow it over time, export it.",
    )
    parser.add_argument("--version", action="version", version=f"citynews {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", help=DB_HELP)
    for group in COMMAND_GROUPS:
        group.add_commands(commands, db_option)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwinding like Ctrl-C.

    Not a bare KeyboardInterrupt: CPython ends a `python -m` process by SIGINT, whatever main
    returned, once a bare one has passed through code that exec() ran from a string (code that
    SQLAlchemy and dataclasses generate), even though main caught it."""


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so open files and temporary files are cleaned up."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, interrupt)


def quiet_broken_pipe() -> int:
    """The reader of stdout went away (| head): stop quietly, as command-line tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The parsed command line, its archive URL resolved once. A search word written `-word`
    reads to argparse as an unknown option: it stays part of the query, whose parser says why
    it cannot be searched."""
    args, extras = parser.parse_known_args(argv)
    if args.command == "search" and extras and not any(extra.startswith("--") for extra in extras):
        args.query = " ".join(part for part in (args.query, *extras) if part)
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if "db" in args:
        args.db = database_url(args.db)
    if "documents_dir" in args:
        args.documents_dir = documents_dir(args.documents_dir, args.db)
    return args


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parse_arguments(parser, argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        try:
            if args.command != "crawl":  # a crawl has Scrapy's own graceful shutdown
                stop_on_sigterm()
            return run_command(args)
        finally:
            signal.signal(signal.SIGTERM, previous)
    except KeyboardInterrupt:  # also one arriving while a failure is reported, or as main ends
        print("citynews: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run_command(args: argparse.Namespace) -> int:
    try:
        status: int = args.handler(args)
        return status
    except BrokenPipeError:
        return quiet_broken_pipe()
    except FAILURES as error:
        return fail(*failure(error))


USAGE_ERRORS = (UserError, UnknownSectionError, ArchiveError, BadTimezone, DatabaseError)
FAILURES = (CommandFailed, *USAGE_ERRORS, ExportError, OSError)  # any other is a bug: traceback


def failure(error: Exception) -> tuple[object, int]:
    """The one line to print for an expected failure, and its exit status."""
    if isinstance(error, CommandFailed):
        return error, error.status
    if isinstance(error, DatabaseError):
        return f"cannot use the archive: {error_reason(error)}", EXIT_USAGE
    return error, EXIT_USAGE if isinstance(error, USAGE_ERRORS) else EXIT_FAILED


def fail(error: object, status: int) -> int:
    """Print the one line that says why, without any credentials in it; return the status."""
    print(f"citynews: error: {for_terminal(hide_credentials(str(error)))}", file=sys.stderr)
    return status

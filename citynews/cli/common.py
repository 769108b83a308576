"""What every command shares: exit statuses, errors, option types, and the archive opened for
reading or locked for writing."""

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archive.db import (
    check_archive_exists,
    check_connection,
    check_sqlite_file,
    create_archive_engine,
    open_existing_archive,
    parse_db_url,
    session_scope,
    sqlite_file,
)
from archive.db import upgrade as upgrade_schema
from archive.lock import ArchiveBusy, crawl_lock
from archive.queries import article_by_url
from citynews.display import for_terminal
from citynews.safety import pasted_article_url
from exports.writers import ExportError, check_export_target
from scraper.sections import Section, UnknownSectionError, select_sections
from scraper.settings import DB_VARIABLE, DEFAULT_DB_URL, DOCUMENTS_VARIABLE, site_timezone

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNHEALTHY = 3
EXIT_BUSY = 75  # EX_TEMPFAIL: try again later
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
MAX_DAYS = 100_000  # about 270 years: any real window, and no date arithmetic overflows
MAX_COUNT = 2**31 - 1
DB_HELP = f"archive URL (SQLAlchemy); default: ${DB_VARIABLE} or {DEFAULT_DB_URL}"
DOCUMENTS_DIR_HELP = (
    f"folder that keeps the downloaded documents; default: ${DOCUMENTS_VARIABLE}, else "
    "'documents' beside a SQLite archive file, else ./data/documents"
)


def add_documents_dir_option(parser: argparse.ArgumentParser) -> None:
    """--documents-dir, resolved with the archive URL (args.documents_dir is a Path)."""
    parser.add_argument("--documents-dir", metavar="DIR", help=DOCUMENTS_DIR_HELP)


def say(text: str) -> None:
    """Print text for people: no control character of archived or fetched text reaches the
    terminal."""
    print(for_terminal(text))


def say_left_out(shown: int, total: int, what: str, output_format: str) -> None:
    """Say that --limit left some out: after a table, or on stderr beside JSON or CSV."""
    left_out = f"{shown} of {total} {what} (use --limit)"
    if output_format == "table":
        say(left_out)
    else:
        print(f"citynews: {left_out}", file=sys.stderr)


class UserError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


class CommandFailed(Exception):
    """The command ran but did not succeed; reported in one line with its exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


def section(value: str) -> Section:
    """A section key, checked once, as the section it names."""
    try:
        return select_sections([value])[0]
    except UnknownSectionError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def section_key(value: str) -> str:
    return section(value).key


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def whole_number(value: str, low: int, high: int, what: str) -> int:
    """An integer option within [low, high], or argparse's one-line error naming the range."""
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(f"expected {what} from {low} to {high}, got {value!r}")
    return number


def setting(value: str) -> tuple[str, str]:
    name, sep, setting_value = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name.strip(), setting_value


def days(value: str) -> int:
    return whole_number(value, 0, MAX_DAYS, "a whole number of days")


def non_negative(value: str) -> int:
    return whole_number(value, 0, MAX_COUNT, "a whole number")


def positive(value: str) -> int:
    return whole_number(value, 1, MAX_COUNT, "a whole number")


def add_listing_options(command: argparse.ArgumentParser) -> None:
    """--limit N (default 20, 0: all) and --format table|json|csv, as every listing takes them."""
    command.add_argument(
        "--limit", type=non_negative, default=20, metavar="N", help="default 20; 0: all"
    )
    command.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table for people (default), json or csv",
    )


def add_settings_option(command: argparse.ArgumentParser) -> None:
    """-s NAME=VALUE: any Scrapy setting, repeatable."""
    command.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        type=setting,
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy setting, repeatable",
    )


def date_range(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    """--since and --until as the site's local midnights (until: the day after's)."""
    if args.since and args.until and args.since > args.until:
        raise UserError(f"--since {args.since} is after --until {args.until}")
    # The first and last days have no start or end representable in UTC: no bound there.
    tz = site_timezone()
    since = (
        datetime.combine(args.since, time(), tz) if args.since and args.since > date.min else None
    )
    until = args.until + timedelta(days=1) if args.until and args.until < date.max else None
    return since, datetime.combine(until, time(), tz) if until else None


@contextmanager
def reading(args: argparse.Namespace) -> Iterator[Session]:
    """A session on the archive a read command names, opened without creating or changing it;
    its connections are closed when the command ends."""
    sessions = open_existing_archive(args.db)
    try:
        with session_scope(sessions) as session:
            yield session
    finally:
        sessions.kw["bind"].dispose()


@contextmanager
def locked_archive(db_url: str, command: str, create: bool = False) -> Iterator[Engine]:
    """The archive, locked for a command that writes it: exit 75 when another one holds it.

    Without create, a missing archive is an error and nothing is created (no file, folder or
    lock file)."""
    if not create:
        path = sqlite_file(db_url)
        if path is not None:
            check_sqlite_file(path, parse_db_url(db_url))
    engine = create_archive_engine(db_url)
    try:
        check_connection(engine)
        with crawl_lock(engine, command):
            if not create:
                check_archive_exists(engine)
            yield engine
    except ArchiveBusy as error:
        raise CommandFailed(str(error), EXIT_BUSY) from None
    finally:
        engine.dispose()


@contextmanager
def exclusive_archive(db_url: str, command: str, create: bool = False) -> Iterator[Engine]:
    """The archive, locked for a command that writes it, and upgraded."""
    with locked_archive(db_url, command, create) as engine:
        upgrade_schema(engine)
        yield engine


def find_article(session: Session, url: str) -> Any:
    """The archived article a pasted URL (or path) names, or a one-line error."""
    canonical = pasted_article_url(url)
    if canonical is None:
        raise UserError(f"{url!r} is not the URL or path of an article")
    article = article_by_url(session, canonical)
    if article is None:
        raise CommandFailed(f"no article {canonical} in the archive")
    return article


def refuse_to_overwrite(out: str, db_url: str, force: bool = False, option: str = "--out") -> None:
    """A UserError when writing `out` would replace the archive, or any other SQLite database
    unless forced."""
    try:
        check_export_target(Path(out), sqlite_file(db_url), force, option)
    except ExportError as error:
        raise UserError(str(error)) from None

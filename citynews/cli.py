"""The command line: crawl, export and db, tying the scraper, the archive and exports together."""

import argparse
import logging
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from archive.db import ArchiveError, open_archive, redact, resolve_db_url, session_scope
from archive.db import upgrade as upgrade_schema
from archive.store import iter_articles
from exports.records import export_record
from exports.writers import FORMATS, ExportError, export_file, write_records
from scraper.sections import SECTIONS_BY_KEY, UnknownSectionError, select_sections
from scraper.urls import SiteUrls

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SITE_TIMEZONE = ZoneInfo("Europe/Moscow")


class UserError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


class CrawlFailed(Exception):
    """The crawl ran but did not complete; reported in one line, exit status 1."""


def section_key(value: str) -> str:
    try:
        select_sections([value])
    except UnknownSectionError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def setting(value: str) -> tuple[str, str]:
    name, sep, setting_value = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name.strip(), setting_value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citynews",
        description="Crawl smoladmin.ru news into a SQL archive and export snapshots.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = "archive URL (SQLAlchemy); default: $CITYNEWS_DB or sqlite:///data/citynews.sqlite3"

    crawl = commands.add_parser("crawl", help="crawl the site into the archive")
    crawl.add_argument(
        "--site-url",
        default="https://www.smoladmin.ru",
        help="origin to fetch (a mirror or local server with the same paths)",
    )
    crawl.add_argument(
        "--section",
        action="append",
        type=section_key,
        metavar="KEY",
        help=f"section to crawl, repeatable (default: all): {', '.join(SECTIONS_BY_KEY)}",
    )
    crawl.add_argument("--db", help=db_help)
    crawl.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        type=setting,
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy setting, repeatable",
    )
    crawl.add_argument("--quiet", action="store_true", help="no progress line and no summary")
    crawl.add_argument(
        "--verbose", action="store_true", help="log the crawl (INFO level) to stderr"
    )
    crawl.add_argument(
        "--log-file", help="append the crawl log (INFO level) to this file instead of stderr"
    )
    crawl.set_defaults(handler=run_crawl)

    export = commands.add_parser("export", help="write a CSV, JSON or JSONL snapshot")
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--out", required=True, help="output file, or - for stdout")
    export.add_argument("--section", type=section_key, metavar="KEY", help="only this section")
    export.add_argument(
        "--since",
        type=day,
        metavar="YYYY-MM-DD",
        help="published on or after this day (Moscow time)",
    )
    export.add_argument(
        "--until",
        type=day,
        metavar="YYYY-MM-DD",
        help="published on or before this day (Moscow time)",
    )
    export.add_argument("--db", help=db_help)
    export.set_defaults(handler=run_export)

    db = commands.add_parser("db", help="manage the archive's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_commands.add_parser("upgrade", help="create or upgrade the archive's schema")
    db_upgrade.add_argument("--db", help=db_help)
    db_upgrade.set_defaults(handler=run_db_upgrade)
    return parser


def run_crawl(args: argparse.Namespace) -> int:
    from scraper.crawl import CrawlOptions, run

    try:
        SiteUrls(args.site_url)
    except ValueError as error:
        raise UserError(str(error)) from None
    db_url = resolve_db_url(args.db)
    open_archive(db_url).kw["bind"].dispose()
    show_progress = sys.stderr.isatty() and not args.quiet
    result = run(
        CrawlOptions(
            site_url=args.site_url,
            sections=args.section or [],
            db_url=db_url,
            settings=dict(args.settings),
            progress=show_progress,
            log_level="INFO" if args.verbose or args.log_file else "CRITICAL",
            log_file=args.log_file,
        )
    )
    if not args.quiet and sys.stdout.isatty():
        print(result.summary())
    if result.outcome != "completed":
        raise CrawlFailed(result.message or f"the crawl {result.outcome}")
    return EXIT_OK


def day_start(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=SITE_TIMEZONE)


def run_export(args: argparse.Namespace) -> int:
    if args.since and args.until and args.since > args.until:
        raise UserError(f"--since {args.since} is after --until {args.until}")
    db_url = resolve_db_url(args.db)
    sessions = open_archive(db_url, migrate=False)
    since = day_start(args.since) if args.since else None
    until = day_start(args.until + timedelta(days=1)) if args.until else None
    filters = {
        "section": args.section,
        "since": args.since.isoformat() if args.since else None,
        "until": args.until.isoformat() if args.until else None,
    }
    with session_scope(sessions) as session:
        records = (
            export_record(article, SITE_TIMEZONE)
            for article in iter_articles(session, args.section, since, until)
        )
        if args.out == "-":
            write_records(records, args.format, sys.stdout)
            return EXIT_OK
        manifest = export_file(
            records,
            args.format,
            Path(args.out),
            archive=redact(db_url),
            filters=filters,
            exported_at=datetime.now(UTC),
        )
    if sys.stderr.isatty():
        print(f"wrote {manifest.records} records to {args.out}", file=sys.stderr)
    return EXIT_OK


def run_db_upgrade(args: argparse.Namespace) -> int:
    from archive.db import create_archive_engine

    engine = create_archive_engine(resolve_db_url(args.db))
    upgrade_schema(engine)
    engine.dispose()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.handler(args)
    except (UserError, ArchiveError, UnknownSectionError) as error:
        print(f"citynews: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ExportError, CrawlFailed, OSError) as error:
        print(f"citynews: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("citynews: interrupted", file=sys.stderr)
        return 130

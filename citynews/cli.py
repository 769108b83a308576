"""The command line: ties the scraper, the archive and exports together; says why it fails."""

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from archive.db import (
    ArchiveError,
    create_archive_engine,
    open_archive,
    redact,
    resolve_db_url,
    session_scope,
)
from archive.db import upgrade as upgrade_schema
from archive.lock import ArchiveBusy, crawl_lock
from archive.store import article_by_url
from exports.records import export_records
from exports.writers import FORMATS, ExportError, export_file, write_records
from scraper.sections import SECTIONS_BY_KEY, UnknownSectionError, select_sections
from scraper.urls import SiteUrls

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNHEALTHY = 3
EXIT_BUSY = 75  # EX_TEMPFAIL: try again later
EXIT_INTERRUPTED = 130
SITE_TIMEZONE = ZoneInfo("Europe/Moscow")
DB_HELP = "archive URL (SQLAlchemy); default: $CITYNEWS_DB or sqlite:///data/citynews.sqlite3"


class UserError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


class CommandFailed(Exception):
    """The command ran but did not succeed; reported in one line with its exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


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


def non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {value!r}")
    return number


def positive(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citynews",
        description="Crawl smoladmin.ru news into a SQL archive, follow it over time, export it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    crawl.add_argument(
        "--full", action="store_true", help="walk every listing page (backfill), not only new ones"
    )
    crawl.add_argument(
        "--refresh-days",
        type=non_negative,
        default=14,
        metavar="N",
        help="re-fetch articles published within the last N days (default 14)",
    )
    crawl.add_argument("--db", help=DB_HELP)
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
    export.add_argument("--format", required=True, choices=(*FORMATS, "sqlite"))
    export.add_argument("--out", required=True, help="output file, or - for stdout")
    export.add_argument("--section", type=section_key, metavar="KEY", help="only this section")
    export.add_argument(
        "--since", type=day, metavar="YYYY-MM-DD", help="published on or after this day (Moscow)"
    )
    export.add_argument(
        "--until", type=day, metavar="YYYY-MM-DD", help="published on or before this day (Moscow)"
    )
    export.add_argument(
        "--history",
        action="store_true",
        help="add views_history and revisions to every record",
    )
    export.add_argument("--db", help=DB_HELP)
    export.set_defaults(handler=run_export)

    search = commands.add_parser("search", help="full-text search in Russian, any word form")
    search.add_argument("query", help='words and "quoted phrases"; all must match')
    search.add_argument("--section", type=section_key, metavar="KEY", help="only this section")
    search.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    search.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    search.add_argument("--min-views", type=non_negative, metavar="N", help="at least N views")
    search.add_argument("--limit", type=positive, default=20, metavar="N", help="default 20")
    search.add_argument("--format", choices=("table", "json", "csv"), default="table")
    search.add_argument("--db", help=DB_HELP)
    search.set_defaults(handler=run_search)

    show = commands.add_parser("show", help="one article: metadata, text, files, history")
    show.add_argument("url", help="the article's URL (any form of it)")
    show.add_argument("--db", help=DB_HELP)
    show.set_defaults(handler=run_show)

    stats = commands.add_parser("stats", help="counts, view totals and the most viewed articles")
    stats.add_argument("--by", choices=("section", "month", "year"), default="section")
    stats.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    stats.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    stats.add_argument("--top", type=positive, default=10, metavar="N", help="most viewed to list")
    stats.add_argument("--db", help=DB_HELP)
    stats.set_defaults(handler=run_stats)

    serve = commands.add_parser("serve", help="browse the SQLite archive in Datasette, read-only")
    serve.add_argument("--port", type=int, default=8001, help="default 8001")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    serve.add_argument("--db", help=DB_HELP)
    serve.set_defaults(handler=run_serve)

    status = commands.add_parser("status", help="the archive's health and its last crawl runs")
    status.add_argument("--runs", type=int, default=10, metavar="N", help="how many runs to list")
    status.add_argument("--db", help=DB_HELP)
    status.set_defaults(handler=run_status)

    history = commands.add_parser("history", help="an article's view counts and revisions")
    history.add_argument("url", help="the article's URL (any form of it)")
    history.add_argument("--db", help=DB_HELP)
    history.set_defaults(handler=run_history)

    reparse = commands.add_parser(
        "reparse", help="rebuild every parsed field from the stored pages (no network)"
    )
    reparse.add_argument("--db", help=DB_HELP)
    reparse.set_defaults(handler=run_reparse)

    db = commands.add_parser("db", help="manage the archive's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_commands.add_parser("upgrade", help="create or upgrade the archive's schema")
    db_upgrade.add_argument("--db", help=DB_HELP)
    db_upgrade.set_defaults(handler=run_db_upgrade)
    db_reindex = db_commands.add_parser("reindex", help="rebuild the full-text search index")
    db_reindex.add_argument("--db", help=DB_HELP)
    db_reindex.set_defaults(handler=run_db_reindex)
    return parser


CRAWL_EXIT = {"failed": EXIT_FAILED, "unhealthy": EXIT_UNHEALTHY, "interrupted": EXIT_INTERRUPTED}


@contextmanager
def exclusive_archive(db_url: str) -> Iterator[Engine]:
    """The archive, upgraded and locked against crawls: exit 75 when another one holds it."""
    engine = create_archive_engine(db_url)
    try:
        with crawl_lock(engine):
            upgrade_schema(engine)
            yield engine
    except ArchiveBusy as error:
        raise CommandFailed(str(error), EXIT_BUSY) from None
    finally:
        engine.dispose()


def run_crawl(args: argparse.Namespace) -> int:
    from scraper.crawl import CrawlOptions, run

    try:
        SiteUrls(args.site_url)
    except ValueError as error:
        raise UserError(str(error)) from None
    db_url = resolve_db_url(args.db)
    with exclusive_archive(db_url):
        result = run(
            CrawlOptions(
                site_url=args.site_url,
                sections=args.section or [],
                db_url=db_url,
                settings=dict(args.settings),
                mode="full" if args.full else "incremental",
                refresh_days=args.refresh_days,
                progress=sys.stderr.isatty() and not args.quiet,
                log_level="INFO" if args.verbose or args.log_file else "CRITICAL",
                log_file=args.log_file,
                lock_held=True,
            )
        )
    if not args.quiet and sys.stdout.isatty():
        print(result.summary())
    if result.outcome != "completed":
        message = result.message or f"the crawl {result.outcome}"
        raise CommandFailed(message, CRAWL_EXIT.get(result.outcome, EXIT_FAILED))
    return EXIT_OK


def day_start(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=SITE_TIMEZONE)


def run_export(args: argparse.Namespace) -> int:
    db_url = resolve_db_url(args.db)
    if args.format == "sqlite":
        return export_sqlite_snapshot(args, db_url)
    since, until = date_range(args)
    sessions = open_archive(db_url, migrate=False)
    filters = {
        "section": args.section,
        "since": args.since.isoformat() if args.since else None,
        "until": args.until.isoformat() if args.until else None,
    }
    with session_scope(sessions) as session:
        records = export_records(session, SITE_TIMEZONE, args.section, since, until, args.history)
        if args.out == "-":
            write_records(records, args.format, sys.stdout, args.history)
            return EXIT_OK
        manifest = export_file(
            records,
            args.format,
            Path(args.out),
            archive=redact(db_url),
            filters=filters,
            exported_at=datetime.now(UTC),
            history=args.history,
        )
    if sys.stderr.isatty():
        print(f"wrote {manifest.records} records to {args.out}", file=sys.stderr)
    return EXIT_OK


def export_sqlite_snapshot(args: argparse.Namespace, db_url: str) -> int:
    from exports.sqlite_snapshot import copy_archive

    if args.out == "-" or args.section or args.since or args.until or args.history:
        raise UserError("--format sqlite copies the whole archive to a file: give only --out")
    engine = create_archive_engine(db_url)
    try:
        upgrade_schema(engine)
        articles = copy_archive(engine, Path(args.out))
    finally:
        engine.dispose()
    if sys.stderr.isatty():
        print(f"wrote {articles} articles to {args.out}", file=sys.stderr)
    return EXIT_OK


def date_range(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    if args.since and args.until and args.since > args.until:
        raise UserError(f"--since {args.since} is after --until {args.until}")
    since = day_start(args.since) if args.since else None
    until = day_start(args.until + timedelta(days=1)) if args.until else None
    return since, until


def run_search(args: argparse.Namespace) -> int:
    from archive.search import Filters, QueryError, parse_query, search
    from citynews.reports import search_results

    try:
        query = parse_query(args.query)
    except QueryError as error:
        raise UserError(str(error)) from None
    since, until = date_range(args)
    filters = Filters(args.section, since, until, args.min_views)
    sessions = open_archive(resolve_db_url(args.db), migrate=False)
    with session_scope(sessions) as session:
        hits = search(session, query, filters, args.limit)
        print(search_results(hits, query, args.format, SITE_TIMEZONE, sys.stdout.isatty()))
    return EXIT_OK


def find_article(session, url: str):  # type: ignore[no-untyped-def]
    canonical = SiteUrls().canonical(url)
    if canonical is None:
        raise UserError(f"{url!r} is not a URL of {SiteUrls().canonical_origin}")
    article = article_by_url(session, canonical)
    if article is None:
        raise CommandFailed(f"no article {canonical} in the archive")
    return article


def print_article(args: argparse.Namespace, report) -> int:  # type: ignore[no-untyped-def]
    sessions = open_archive(resolve_db_url(args.db), migrate=False)
    with session_scope(sessions) as session:
        print(report(find_article(session, args.url), SITE_TIMEZONE))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from citynews.reports import article_report

    return print_article(args, article_report)


def run_stats(args: argparse.Namespace) -> int:
    from citynews.reports import stats_report

    since, until = date_range(args)
    sessions = open_archive(resolve_db_url(args.db), migrate=False)
    with session_scope(sessions) as session:
        print(stats_report(session, args.by, since, until, args.top, SITE_TIMEZONE))
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    import json
    import subprocess
    import tempfile

    from citynews.datasette.metadata import metadata

    db_url = resolve_db_url(args.db)
    engine = create_archive_engine(db_url)
    try:
        if engine.url.get_backend_name() != "sqlite" or not engine.url.database:
            raise UserError(
                "serve opens a SQLite archive; for PostgreSQL first run "
                "citynews export --format sqlite --out archive.sqlite3"
            )
        upgrade_schema(engine)
    finally:
        engine.dispose()
    database = Path(engine.url.database)
    plugins = Path(__file__).parent / "datasette"
    with tempfile.TemporaryDirectory() as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(database.stem), ensure_ascii=False))
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(database),
            "--metadata",
            str(metadata_file),
            "--plugins-dir",
            str(plugins / "plugins"),
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--setting",
            "sql_time_limit_ms",
            "3000",
        ]
        return subprocess.call(command)


def run_status(args: argparse.Namespace) -> int:
    from citynews.reports import status_report

    db_url = resolve_db_url(args.db)
    sessions = open_archive(db_url, migrate=False)
    engine = sessions.kw["bind"]
    try:
        with crawl_lock(engine):
            lock_state = "free (no crawl running)"
    except ArchiveBusy as error:
        lock_state = str(error)
    with session_scope(sessions) as session:
        print(status_report(session, redact(db_url), lock_state, args.runs))
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    from citynews.reports import history_report

    return print_article(args, history_report)


def run_reparse(args: argparse.Namespace) -> int:
    from scraper.reparse import reparse_archive

    with exclusive_archive(resolve_db_url(args.db)) as engine:
        result = reparse_archive(sessionmaker(engine, expire_on_commit=False), SITE_TIMEZONE)
    print(result.summary())
    return EXIT_OK


def run_db_reindex(args: argparse.Namespace) -> int:
    from archive.search import reindex

    sessions = open_archive(resolve_db_url(args.db))
    with session_scope(sessions) as session:
        count = reindex(session)
    print(f"indexed {count} articles")
    return EXIT_OK


def run_db_upgrade(args: argparse.Namespace) -> int:
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
    except (UserError, UnknownSectionError) as error:
        print(f"citynews: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ArchiveError as error:
        print(f"citynews: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as error:
        print(f"citynews: error: {error}", file=sys.stderr)
        return error.status
    except (ExportError, OSError) as error:
        print(f"citynews: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("citynews: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

"""The command line: ties the scraper, the archive and exports together; says why it fails."""

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from archive.db import (
    ArchiveError,
    check_archive_exists,
    check_connection,
    check_sqlite_file,
    create_archive_engine,
    error_reason,
    open_existing_archive,
    parse_db_url,
    redact,
    resolve_db_url,
    session_scope,
    sqlite_file,
    sqlite_uri_file,
)
from archive.db import upgrade as upgrade_schema
from archive.lock import ArchiveBusy, crawl_lock, crawl_lock_holder
from archive.queries import article_by_url
from citynews import __version__
from citynews.defaults import (
    MODE,
    REFRESH_DAYS,
    REVISIT_DAYS,
    SITE_URL,
    BadTimezone,
    site_timezone,
    timezone_name,
)
from citynews.display import for_terminal
from citynews.safety import hide_credentials, pasted_article_url, split_credentials
from exports.records import export_records
from exports.writers import (
    FORMATS,
    ExportError,
    check_export_target,
    export_file,
    is_special_file,
    write_records,
)
from scraper.sections import SECTIONS_BY_KEY, UnknownSectionError, select_sections
from scraper.urls import SiteUrls

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNHEALTHY = 3
EXIT_BUSY = 75  # EX_TEMPFAIL: try again later
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
MAX_DAYS = 100_000  # about 270 years: any real window, and no date arithmetic overflows
MAX_COUNT = 2**31 - 1
DB_HELP = "archive URL (SQLAlchemy); default: $CITYNEWS_DB or sqlite:///data/citynews.sqlite3"


def say(text: str) -> None:
    """Print text for people: no control character of archived or fetched text reaches the
    terminal."""
    print(for_terminal(text))


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citynews",
        description="Crawl smoladmin.ru news into a SQL archive, follow it over time, export it.",
    )
    parser.add_argument("--version", action="version", version=f"citynews {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", help=DB_HELP)

    crawl = commands.add_parser(
        "crawl", help="crawl the site into the archive", parents=[db_option]
    )
    crawl.add_argument(
        "--site-url",
        default=SITE_URL,
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
        type=days,
        default=REFRESH_DAYS,
        metavar="N",
        help=f"re-fetch articles published within the last N days (default {REFRESH_DAYS})",
    )
    crawl.add_argument(
        "--revisit-days",
        type=non_negative,
        default=REVISIT_DAYS,
        metavar="D",
        help=f"re-read every older article at least once every D days, spread evenly over "
        f"the runs whatever their frequency (default {REVISIT_DAYS}; 0: off)",
    )
    add_settings_option(crawl)
    crawl.add_argument("--quiet", action="store_true", help="no progress line and no summary")
    crawl.add_argument(
        "--verbose", action="store_true", help="log the crawl (INFO level) to stderr"
    )
    crawl.add_argument(
        "--log-file", help="append the crawl log (INFO level) to this file instead of stderr"
    )
    crawl.set_defaults(handler=run_crawl)

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
        "--force",
        action="store_true",
        help="write --out even when it is an existing SQLite database (never the archive itself)",
    )
    export.set_defaults(handler=run_export)

    search = commands.add_parser(
        "search", help="full-text search in Russian, any word form", parents=[db_option]
    )
    search.add_argument("query", nargs="?", help='words and "quoted phrases"; all must match')
    search.add_argument("--section", type=section_key, metavar="KEY", help="only this section")
    search.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    search.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    search.add_argument("--min-views", type=non_negative, metavar="N", help="at least N views")
    search.add_argument(
        "--limit", type=non_negative, default=20, metavar="N", help="default 20; 0: all"
    )
    search.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table for people (default), json or csv",
    )
    search.set_defaults(handler=run_search)

    show = commands.add_parser(
        "show", help="one article: metadata, text, files, history", parents=[db_option]
    )
    show.add_argument("url", help="the article's URL (any form of it)")
    show.set_defaults(handler=run_show)

    stats = commands.add_parser(
        "stats", help="counts, view totals and the most viewed articles", parents=[db_option]
    )
    stats.add_argument(
        "--by",
        choices=("section", "month", "year"),
        default="section",
        help="group by section (default), month or year of publication",
    )
    stats.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    stats.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    stats.add_argument(
        "--top", type=non_negative, default=10, metavar="N", help="most viewed to list; 0: all"
    )
    stats.set_defaults(handler=run_stats)

    serve = commands.add_parser(
        "serve", help="browse the SQLite archive in Datasette, read-only", parents=[db_option]
    )
    serve.add_argument("--port", type=int, default=8001, help="default 8001")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    serve.set_defaults(handler=run_serve)

    status = commands.add_parser(
        "status", help="the archive's health and its last crawl runs", parents=[db_option]
    )
    status.add_argument(
        "--runs", type=positive, default=10, metavar="N", help="how many runs to list (default 10)"
    )
    status.add_argument(
        "--revisit-days",
        type=positive,
        default=REVISIT_DAYS,
        metavar="D",
        help=f"revisit coverage: articles fetched within the last D days (default {REVISIT_DAYS})",
    )
    status.add_argument(
        "--failed",
        action="store_true",
        help="list the URLs whose latest fetch failed and has not succeeded since",
    )
    status.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default) or JSON for monitors",
    )
    status.set_defaults(handler=run_status)

    history = commands.add_parser(
        "history", help="an article's view counts and revisions", parents=[db_option]
    )
    history.add_argument("url", help="the article's URL (any form of it)")
    history.add_argument("--chart", metavar="FILE.svg", help="write the views-over-time chart")
    history.set_defaults(handler=run_history)

    report = commands.add_parser(
        "report", help="a digest of a period as one HTML file, charts", parents=[db_option]
    )
    report.add_argument("--since", type=day, required=True, metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--until", type=day, required=True, metavar="YYYY-MM-DD", help="last day")
    report.add_argument("--out", required=True, help="the HTML file to write")
    report.set_defaults(handler=run_report)

    reparse = commands.add_parser(
        "reparse",
        help="rebuild every parsed field from the stored pages (no network)",
        parents=[db_option],
    )
    reparse.set_defaults(handler=run_reparse)

    inspect = commands.add_parser(
        "inspect", help="fetch one page as a crawl would and show what the parser reads in it"
    )
    inspect.add_argument("url", help="an article's URL on the public site")
    inspect.add_argument(
        "--site-url",
        default=SITE_URL,
        help="origin to fetch it from (a mirror or local server with the same paths)",
    )
    add_settings_option(inspect)
    inspect.set_defaults(handler=run_inspect)

    db = commands.add_parser("db", help="manage the archive's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_commands.add_parser(
        "upgrade", help="create or upgrade the archive's schema", parents=[db_option]
    )
    db_upgrade.set_defaults(handler=run_db_upgrade)
    db_reindex = db_commands.add_parser(
        "reindex", help="rebuild the full-text search index", parents=[db_option]
    )
    db_reindex.set_defaults(handler=run_db_reindex)
    return parser


CRAWL_EXIT = {"failed": EXIT_FAILED, "unhealthy": EXIT_UNHEALTHY, "interrupted": EXIT_INTERRUPTED}


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


def check_crawl_settings(settings: list[tuple[str, str]]) -> None:
    """Refuse -s settings a crawl cannot use, before anything is opened."""
    from scraper.setting_values import setting_problem

    for name, value in settings:
        if name == "CITYNEWS_DB_URL":
            raise UserError(
                "-s CITYNEWS_DB_URL is for scrapy crawl: citynews chooses the archive "
                "with --db (or $CITYNEWS_DB)"
            )
        problem = setting_problem(name, value)
        if problem:
            raise UserError(f"-s {name}={value}: {problem}")


def site_urls(site_url: str) -> SiteUrls:
    try:
        return SiteUrls(site_url)
    except ValueError as error:
        raise UserError(hide_credentials(str(error))) from None


def without_credentials(args: argparse.Namespace) -> None:
    """Move a user and password out of --site-url into HTTP auth settings, out of every URL."""
    try:
        args.site_url, auth = split_credentials(args.site_url)
    except ValueError as error:
        raise UserError(f"bad --site-url: {hide_credentials(str(error))}") from None
    args.settings = [*auth, *args.settings]


def run_crawl(args: argparse.Namespace) -> int:
    from scraper.crawl import CrawlOptions, run

    site_urls(args.site_url)
    check_crawl_settings(args.settings)
    site_timezone()
    without_credentials(args)
    db_url = resolve_db_url(args.db)
    with exclusive_archive(db_url, "crawl", create=True):
        result = run(
            CrawlOptions(
                site_url=args.site_url,
                sections=args.section or [],
                db_url=db_url,
                settings=dict(args.settings),
                mode="full" if args.full else MODE,
                refresh_days=args.refresh_days,
                revisit_days=args.revisit_days,
                timezone=timezone_name(),
                progress=sys.stderr.isatty() and not args.quiet,
                log_level="INFO" if args.verbose or args.log_file else "CRITICAL",
                log_file=args.log_file,
                lock_held=True,
            )
        )
    if not args.quiet and sys.stdout.isatty():
        say(result.summary())
    elif not args.quiet and result.warning:
        print(
            for_terminal(f"citynews: warning: {hide_credentials(result.warning)}"), file=sys.stderr
        )
    if result.outcome != "completed":
        message = result.message or f"the crawl {result.outcome}"
        raise CommandFailed(message, CRAWL_EXIT.get(result.outcome, EXIT_FAILED))
    return EXIT_OK


@contextmanager
def reading(args: argparse.Namespace) -> Iterator[Session]:
    """A session on the archive a read command names, opened without creating or changing it;
    its connections are closed when the command ends."""
    sessions = open_existing_archive(resolve_db_url(args.db))
    try:
        with session_scope(sessions) as session:
            yield session
    finally:
        sessions.kw["bind"].dispose()


def run_export(args: argparse.Namespace) -> int:
    db_url = resolve_db_url(args.db)
    if args.out != "-":
        try:
            check_export_target(Path(args.out), sqlite_file(db_url), force=args.force)
        except ExportError as error:
            raise UserError(str(error)) from None
    if args.format == "sqlite":
        return export_sqlite_snapshot(args, db_url)
    since, until = date_range(args)
    tz = site_timezone()
    filters = {
        "section": args.section,
        "since": args.since.isoformat() if args.since else None,
        "until": args.until.isoformat() if args.until else None,
    }
    with reading(args) as session:
        records = export_records(session, tz, args.section, since, until, args.history)
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
            archive=redact(db_url),
            filters=filters,
            exported_at=datetime.now(UTC),
            history=args.history,
        )
    if sys.stderr.isatty():
        print(f"wrote {manifest.records} records to {args.out}", file=sys.stderr)
    return EXIT_OK


def write_to_special_file(records, fmt: str, out: Path, history: bool) -> None:  # type: ignore[no-untyped-def]
    """Write an export straight into a device or pipe: never replaced, no manifest."""
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        stream = out.open("w", encoding=encoding, newline="")
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None
    with stream:
        write_records(records, fmt, stream, history)


def export_sqlite_snapshot(args: argparse.Namespace, db_url: str) -> int:
    from exports.sqlite_snapshot import copy_archive

    if args.out == "-" or args.section or args.since or args.until or args.history:
        raise UserError("--format sqlite copies the whole archive to a file: give only --out")
    if is_special_file(Path(args.out)):
        raise UserError(f"--format sqlite writes a regular file, not {args.out}")
    engine = open_existing_archive(db_url).kw["bind"]
    try:
        articles = copy_archive(engine, Path(args.out))
    finally:
        engine.dispose()
    if sys.stderr.isatty():
        print(f"wrote {articles} articles to {args.out}", file=sys.stderr)
    return EXIT_OK


def date_range(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    if args.since and args.until and args.since > args.until:
        raise UserError(f"--since {args.since} is after --until {args.until}")
    # The first and last days have no start or end representable in UTC: no bound there.
    tz = site_timezone()
    since = (
        datetime.combine(args.since, time(), tz) if args.since and args.since > date.min else None
    )
    until = args.until + timedelta(days=1) if args.until and args.until < date.max else None
    return since, datetime.combine(until, time(), tz) if until else None


def run_search(args: argparse.Namespace) -> int:
    from archive.search import Filters, QueryError, count_matches, iter_search, parse_query
    from citynews.reports import write_search_results

    if args.query is None:
        raise UserError('give words to search for: citynews search WORD… or "a phrase"')
    try:
        query = parse_query(args.query)
    except QueryError as error:
        raise UserError(str(error)) from None
    since, until = date_range(args)
    filters = Filters(args.section, since, until, args.min_views)
    tz = site_timezone()
    with reading(args) as session:
        hits = iter_search(session, query, filters, args.limit or None)
        shown = write_search_results(sys.stdout, hits, query, args.format, tz, sys.stdout.isatty())
        if args.limit and shown == args.limit:
            total = count_matches(session, query, filters)
            if total > shown:
                left_out = f"{shown} of {total} matches (use --limit)"
                if args.format == "table":
                    say(left_out)
                else:
                    print(f"citynews: {left_out}", file=sys.stderr)
    return EXIT_OK


def find_article(session, url: str):  # type: ignore[no-untyped-def]
    canonical = pasted_article_url(url)
    if canonical is None:
        raise UserError(f"{url!r} is not the URL or path of an article")
    article = article_by_url(session, canonical)
    if article is None:
        raise CommandFailed(f"no article {canonical} in the archive")
    return article


def print_article(args: argparse.Namespace, report) -> int:  # type: ignore[no-untyped-def]
    tz = site_timezone()
    with reading(args) as session:
        say(report(find_article(session, args.url), tz))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from citynews.reports import article_report

    return print_article(args, article_report)


def run_stats(args: argparse.Namespace) -> int:
    from citynews.reports import stats_lines

    since, until = date_range(args)
    tz = site_timezone()
    with reading(args) as session:
        for line in stats_lines(session, args.by, since, until, args.top or None, tz):
            say(line)
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from citynews.serving import public_address_warning, servable_archive, serve_datasette

    db_url = resolve_db_url(args.db)
    parsed = parse_db_url(db_url)
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


def run_status(args: argparse.Namespace) -> int:
    from citynews.reports import (
        failed_urls_data,
        failed_urls_report,
        revisit_status,
        status_data,
        status_report,
    )

    tz = site_timezone()
    archive = redact(resolve_db_url(args.db))
    with reading(args) as session:
        if args.failed:
            if args.format == "json":
                print(json.dumps(failed_urls_data(session), ensure_ascii=False, indent=2))
            else:
                say(failed_urls_report(session, tz))
            return EXIT_OK
        holder = crawl_lock_holder(session.get_bind().engine)
        now = datetime.now(UTC)
        if args.format == "json":
            data = status_data(session, archive, holder, tz, args.runs, now, args.revisit_days)
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return EXIT_OK
        lock_state = holder or "free (no crawl running)"
        say(status_report(session, archive, lock_state, tz, args.runs))
        say(f"\n{revisit_status(session, now, args.revisit_days, tz)}")
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    from citynews.reports import history_report

    if not args.chart:
        return print_article(args, history_report)
    from citynews.digest import write_history_chart

    tz = site_timezone()
    with reading(args) as session:
        article = find_article(session, args.url)
        if not article.view_observations:
            raise CommandFailed(f"no view counts archived for {article.url}: no chart written")
        write_history_chart(article, Path(args.chart), tz)
        say(history_report(article, tz))
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    since, until = date_range(args)
    if since is None or until is None:
        raise UserError(
            "a report's --since and --until must be days between 0001-01-02 and 9999-12-30"
        )
    from citynews.digest import write_digest

    tz = site_timezone()
    with reading(args) as session:
        write_digest(session, since, until, Path(args.out), tz)
    if sys.stderr.isatty():
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def run_reparse(args: argparse.Namespace) -> int:
    from scraper.reparse import reparse_archive

    tz = site_timezone()
    with exclusive_archive(resolve_db_url(args.db), "reparse") as engine:
        result = reparse_archive(sessionmaker(engine, expire_on_commit=False), tz)
    say(result.summary())
    return EXIT_OK


def run_db_reindex(args: argparse.Namespace) -> int:
    from archive.search import reindex

    with (
        exclusive_archive(resolve_db_url(args.db), "db reindex") as engine,
        session_scope(sessionmaker(engine)) as session,
    ):
        count = reindex(session)
    print(f"indexed {count} articles")
    return EXIT_OK


def run_db_upgrade(args: argparse.Namespace) -> int:
    db_url = resolve_db_url(args.db)
    with locked_archive(db_url, "db upgrade", create=True) as engine:
        before, after = upgrade_schema(engine)
    where = redact(db_url)
    if before == after:
        print(f"the archive {where} is up to date (schema revision {after})")
    elif before is None:
        print(f"created the archive {where} at schema revision {after}")
    else:
        print(f"upgraded the archive {where} from schema revision {before} to {after}")
    return EXIT_OK


def run_inspect(args: argparse.Namespace) -> int:
    from scraper.inspect_page import InspectFailed, inspect_page, inspection_report

    site_urls(args.site_url)
    check_crawl_settings(args.settings)
    site_timezone()
    without_credentials(args)
    site = site_urls(args.site_url)
    settings = {"CITYNEWS_TIMEZONE": timezone_name(), **dict(args.settings)}
    canonical = pasted_article_url(args.url)
    if canonical is None:
        raise UserError(f"{args.url!r} is not the URL or path of a page of the site")
    try:
        inspection = inspect_page(canonical, site, settings)
    except InspectFailed as error:
        raise CommandFailed(str(error)) from None
    say(inspection_report(inspection, ZoneInfo(settings["CITYNEWS_TIMEZONE"])))
    return EXIT_OK


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
    """The parsed command line. A search word written `-word` reads to argparse as an unknown
    option: it stays part of the query, whose parser says why it cannot be searched."""
    args, extras = parser.parse_known_args(argv)
    if args.command == "search" and extras and not any(extra.startswith("--") for extra in extras):
        args.query = " ".join(part for part in (args.query, *extras) if part)
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
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

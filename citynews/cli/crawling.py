"""`citynews crawl` and `citynews inspect`: the commands that fetch from the site."""

import argparse
import sys
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archive.watches import owes_notifications
from citynews.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNHEALTHY,
    CommandFailed,
    UserError,
    add_documents_dir_option,
    add_settings_option,
    days,
    exclusive_archive,
    non_negative,
    say,
    section,
)
from citynews.display import for_terminal
from citynews.safety import hide_credentials, pasted_article_url, split_credentials
from scraper.sections import SECTIONS_BY_KEY
from scraper.settings import (
    CITYNEWS_MODE,
    CITYNEWS_REFRESH_DAYS,
    CITYNEWS_REVISIT_DAYS,
    CITYNEWS_SITE_URL,
    setting_problem,
    site_timezone,
    timezone_name,
)
from scraper.urls import SiteUrls

CRAWL_EXIT = {"failed": EXIT_FAILED, "unhealthy": EXIT_UNHEALTHY, "interrupted": EXIT_INTERRUPTED}


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    crawl = commands.add_parser(
        "crawl", help="crawl the site into the archive", parents=[db_option]
    )
    crawl.add_argument(
        "--site-url",
        default=CITYNEWS_SITE_URL,
        help="origin to fetch (a mirror or local server with the same paths)",
    )
    crawl.add_argument(
        "--section",
        action="append",
        type=section,
        metavar="KEY",
        help=f"section to crawl, repeatable (default: all): {', '.join(SECTIONS_BY_KEY)}",
    )
    crawl.add_argument(
        "--full", action="store_true", help="walk every listing page (backfill), not only new ones"
    )
    crawl.add_argument(
        "--refresh-days",
        type=days,
        default=CITYNEWS_REFRESH_DAYS,
        metavar="N",
        help=f"re-fetch articles published within the last N days "
        f"(default {CITYNEWS_REFRESH_DAYS})",
    )
    crawl.add_argument(
        "--revisit-days",
        type=non_negative,
        default=CITYNEWS_REVISIT_DAYS,
        metavar="D",
        help=f"re-read every older article at least once every D days, spread evenly over "
        f"the runs whatever their frequency (default {CITYNEWS_REVISIT_DAYS}; 0: off)",
    )
    add_documents_dir_option(crawl)
    add_settings_option(crawl)
    crawl.add_argument("--quiet", action="store_true", help="no progress line and no summary")
    crawl.add_argument(
        "--verbose", action="store_true", help="log the crawl (INFO level) to stderr"
    )
    crawl.add_argument(
        "--log-file", help="append the crawl log (INFO level) to this file instead of stderr"
    )
    crawl.set_defaults(handler=run_crawl)

    inspect = commands.add_parser(
        "inspect", help="fetch one page as a crawl would and show what the parser reads in it"
    )
    inspect.add_argument("url", help="an article's URL on the public site")
    inspect.add_argument(
        "--site-url",
        default=CITYNEWS_SITE_URL,
        help="origin to fetch it from (a mirror or local server with the same paths)",
    )
    add_settings_option(inspect)
    inspect.set_defaults(handler=run_inspect)


def check_crawl_settings(settings: list[tuple[str, str]]) -> None:
    """Refuse -s settings a crawl cannot use, before anything is opened."""
    for name, value in settings:
        if name == "CITYNEWS_DB_URL":
            raise UserError(
                "-s CITYNEWS_DB_URL is for scrapy crawl: citynews chooses the archive "
                "with --db (or $CITYNEWS_DB)"
            )
        problem = setting_problem(name, value)
        if problem:
            raise UserError(f"-s {name}={value}: {problem}")


def checked_site(args: argparse.Namespace) -> SiteUrls:
    """The site to fetch, and the -s settings, checked before anything is opened. A user and
    password in --site-url become HTTP auth settings, out of every URL."""
    try:
        site_url, auth = split_credentials(args.site_url)
        site = SiteUrls(site_url)
    except ValueError as error:
        raise UserError(f"bad --site-url: {hide_credentials(str(error))}") from None
    check_crawl_settings(args.settings)
    site_timezone()
    args.settings = [*auth, *args.settings]
    return site


def run_crawl(args: argparse.Namespace) -> int:
    from scraper.crawl import CrawlOptions, run

    site = checked_site(args)
    with exclusive_archive(args.db, "crawl", create=True) as engine:
        result = run(
            CrawlOptions(
                site=site,
                sections=args.section or [],
                db_url=args.db,
                documents_dir=args.documents_dir,
                settings=dict(args.settings),
                mode="full" if args.full else CITYNEWS_MODE,
                refresh_days=args.refresh_days,
                revisit_days=args.revisit_days,
                timezone=timezone_name(),
                progress=sys.stderr.isatty() and not args.quiet,
                log_level="INFO" if args.verbose or args.log_file else "CRITICAL",
                log_file=args.log_file,
                lock_held=True,
            )
        )
        # Ctrl-C means stop now: what the crawl queued waits for the next run
        notified = notify_after_crawl(engine) if result.outcome != "interrupted" else None
    if not args.quiet and sys.stdout.isatty():
        say(result.summary())
    elif not args.quiet:
        if result.warning:
            warning = hide_credentials(result.warning)
            print(for_terminal(f"citynews: warning: {warning}"), file=sys.stderr)
        if result.ocr_note:
            print(for_terminal(f"citynews: note: {result.ocr_note}"), file=sys.stderr)
    if notified and not args.quiet:
        print(for_terminal(f"citynews: {hide_credentials(notified)}"), file=sys.stderr)
    if result.outcome != "completed":
        message = result.message or f"the crawl {result.outcome}"
        raise CommandFailed(message, CRAWL_EXIT.get(result.outcome, EXIT_FAILED))
    return EXIT_OK


def notify_after_crawl(engine: Engine) -> str | None:
    """Send the notifications the crawl queued, once it has ended; what to tell when one
    failed. A failed send never changes the crawl's exit status: the next run retries it."""
    from citynews.cli.watching import send_notifications

    try:
        with Session(engine) as session:
            if not owes_notifications(session):
                return None
        line, failed = send_notifications(engine)
    except Exception as error:  # the crawl's outcome stands whatever happens here
        return f"warning: notifications not sent ({type(error).__name__}: {error})"
    return f"warning: {line}" if failed else None


def run_inspect(args: argparse.Namespace) -> int:
    from scraper.inspect_page import InspectFailed, inspect_page, inspection_report

    site = checked_site(args)
    canonical = pasted_article_url(args.url)
    if canonical is None:
        raise UserError(f"{args.url!r} is not the URL or path of a page of the site")
    settings = {"CITYNEWS_TIMEZONE": timezone_name(), **dict(args.settings)}
    try:
        inspection = inspect_page(canonical, site, settings)
    except InspectFailed as error:
        raise CommandFailed(str(error)) from None
    say(inspection_report(inspection, ZoneInfo(settings["CITYNEWS_TIMEZONE"])))
    return EXIT_OK

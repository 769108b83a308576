"""The commands that read the archive for people: search, show, history, stats, status."""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.db import redact
from archive.lock import crawl_lock_holder
from citynews.cli.common import (
    EXIT_OK,
    CommandFailed,
    UserError,
    add_documents_dir_option,
    add_listing_options,
    date_range,
    day,
    find_article,
    non_negative,
    positive,
    reading,
    refuse_to_overwrite,
    say,
    say_left_out,
    section_key,
)
from scraper.settings import CITYNEWS_REVISIT_DAYS, site_timezone


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    search = commands.add_parser(
        "search", help="full-text search in Russian, any word form", parents=[db_option]
    )
    search.add_argument("query", nargs="?", help='words and "quoted phrases"; all must match')
    search.add_argument("--section", type=section_key, metavar="KEY", help="only this section")
    search.add_argument("--since", type=day, metavar="YYYY-MM-DD", help="published on or after")
    search.add_argument("--until", type=day, metavar="YYYY-MM-DD", help="published on or before")
    search.add_argument("--min-views", type=non_negative, metavar="N", help="at least N views")
    search.add_argument(
        "--in",
        dest="scope",
        choices=("articles", "documents", "all"),
        default="all",
        help="look in the articles' title and text, in the text of the documents they link, "
        "or both (default all)",
    )
    add_listing_options(search)
    search.set_defaults(handler=run_search)

    show = commands.add_parser(
        "show", help="one article: metadata, text, files, history", parents=[db_option]
    )
    show.add_argument("url", help="the article's URL (any form of it)")
    add_documents_dir_option(show)
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

    status = commands.add_parser(
        "status", help="the archive's health and its last crawl runs", parents=[db_option]
    )
    status.add_argument(
        "--runs", type=positive, default=10, metavar="N", help="how many runs to list (default 10)"
    )
    status.add_argument(
        "--revisit-days",
        type=positive,
        default=CITYNEWS_REVISIT_DAYS,
        metavar="D",
        help=f"revisit coverage: articles fetched within the last D days "
        f"(default {CITYNEWS_REVISIT_DAYS})",
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


def run_search(args: argparse.Namespace) -> int:
    from archive.search.query import QueryError, parse_query
    from archive.search.running import Filters, Scope, count_matches, iter_search
    from citynews.reports import write_search_results

    if args.query is None:
        raise UserError('give words to search for: citynews search WORD… or "a phrase"')
    try:
        query = parse_query(args.query)
    except QueryError as error:
        raise UserError(str(error)) from None
    since, until = date_range(args)
    filters = Filters(args.section, since, until, args.min_views)
    scope = Scope(args.scope)
    tz = site_timezone()
    with reading(args) as session:
        hits = iter_search(session, query, filters, args.limit or None, scope)
        shown = write_search_results(sys.stdout, hits, query, args.format, tz, sys.stdout.isatty())
        if args.limit and shown == args.limit:
            total = count_matches(session, query, filters, scope)
            if total > shown:
                say_left_out(shown, total, "matches", args.format)
    return EXIT_OK


def print_article(args: argparse.Namespace, report: Any) -> int:
    tz = site_timezone()
    with reading(args) as session:
        say(report(find_article(session, args.url), tz))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from citynews.document_views import show_article

    return print_article(args, show_article(args.documents_dir))


def run_stats(args: argparse.Namespace) -> int:
    from citynews.reports import stats_lines

    since, until = date_range(args)
    tz = site_timezone()
    with reading(args) as session:
        for line in stats_lines(session, args.by, since, until, args.top or None, tz):
            say(line)
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    from citynews.alerts import outbox_lines, outbox_state
    from citynews.reports import (
        failed_urls_data,
        failed_urls_report,
        revisit_status,
        status_data,
        status_report,
    )

    tz = site_timezone()
    archive = redact(args.db)
    with reading(args) as session:
        if args.failed:
            if args.format == "json":
                print(json.dumps(failed_urls_data(session), ensure_ascii=False, indent=2))
            else:
                say(failed_urls_report(session, tz))
            return EXIT_OK
        holder = crawl_lock_holder(session.get_bind().engine)
        now = datetime.now(UTC)
        outbox = outbox_state(session)
        if args.format == "json":
            data = status_data(session, archive, holder, tz, args.runs, now, args.revisit_days)
            data["notifications"] = [outbox_json(state) for state in outbox]
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return EXIT_OK
        lock_state = holder or "free (no crawl running)"
        say(status_report(session, archive, lock_state, tz, args.runs))
        say(f"\n{revisit_status(session, now, args.revisit_days, tz)}")
        say("\n" + "\n".join(outbox_lines(outbox, tz)))
    return EXIT_OK


def outbox_json(state: Any) -> dict[str, Any]:
    return {
        "watch": state.watch,
        "target": state.target,
        "pending": state.pending,
        "failed": state.failed,
        "next_retry": state.next_retry.isoformat() if state.next_retry else None,
        "last_error": state.last_error,
    }


def run_history(args: argparse.Namespace) -> int:
    from citynews.reports import history_report

    if not args.chart:
        return print_article(args, history_report)
    from citynews.digest import write_history_chart

    refuse_to_overwrite(args.chart, args.db, option="--chart")
    tz = site_timezone()
    with reading(args) as session:
        article = find_article(session, args.url)
        if not article.view_observations:
            raise CommandFailed(f"no view counts archived for {article.url}: no chart written")
        write_history_chart(article, Path(args.chart), tz)
        say(history_report(article, tz))
    return EXIT_OK

"""The commands that tell what changed: `changes` lists it, `feed` writes an Atom feed."""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from citynews.cli.common import (
    EXIT_OK,
    CommandFailed,
    UserError,
    add_listing_options,
    date_range,
    day,
    positive,
    reading,
    refuse_to_overwrite,
    say,
    say_left_out,
    section_key,
)
from citynews.display import labelled_time
from scraper.settings import site_timezone

EARLIEST = datetime(1, 1, 1, tzinfo=UTC)  # --since 0001-01-01: from the first change


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    changes = commands.add_parser(
        "changes",
        help="the articles new, edited, removed and restored in a period or a crawl run",
        parents=[db_option],
    )
    period = changes.add_mutually_exclusive_group()
    period.add_argument(
        "--since",
        type=day,
        metavar="YYYY-MM-DD",
        help="changes from this day on (site time zone); default: since the last completed "
        "crawl run started",
    )
    period.add_argument("--run", type=positive, metavar="N", help="the changes crawl run N made")
    changes.add_argument(
        "--section",
        action="append",
        type=section_key,
        metavar="KEY",
        help="only this section, repeatable",
    )
    add_listing_options(changes)
    changes.set_defaults(handler=run_changes, until=None)

    feed = commands.add_parser(
        "feed", help="write an Atom feed of the newest articles", parents=[db_option]
    )
    feed.add_argument(
        "--out", required=True, metavar="FILE", help="the feed file to write, or - for stdout"
    )
    feed.add_argument(
        "--section",
        action="append",
        type=section_key,
        metavar="KEY",
        help="only this section, repeatable",
    )
    chosen_by = feed.add_mutually_exclusive_group()
    chosen_by.add_argument(
        "--query",
        metavar="TEXT",
        help="only the articles this search matches (the words and phrases of citynews search)",
    )
    chosen_by.add_argument(
        "--watch",
        metavar="NAME",
        help="only the articles this saved search matches, in its sections (citynews watch list)",
    )
    feed.add_argument(
        "--limit", type=positive, default=50, metavar="N", help="how many articles (default 50)"
    )
    feed.add_argument(
        "--feed-url",
        metavar="URL",
        help="the address the file is published at, for the feed's self link",
    )
    feed.set_defaults(handler=run_feed)


def changes_period(
    args: argparse.Namespace, session: Session, now: datetime
) -> tuple[Any, Any, str]:
    """The period the command lists, [since, until), and how to name it."""
    from archive.change_queries import last_completed_run_start, run_period

    tz = site_timezone()
    if args.run is not None:
        period = run_period(session, args.run, now)
        if period is None:
            raise CommandFailed(
                f"no crawl run {args.run} in the archive (citynews status lists them)"
            )
        return period.since, period.until, f"in crawl run {args.run}"
    if args.since is not None:
        since = date_range(args)[0] or EARLIEST
        return since, now, f"since {args.since.isoformat()}"
    started = last_completed_run_start(session)
    if started is None:
        raise CommandFailed(
            "no crawl run has completed in this archive: give --since YYYY-MM-DD or --run N"
        )
    return (
        started,
        now,
        f"since the last completed crawl run started ({labelled_time(started, tz)})",
    )


def run_changes(args: argparse.Namespace) -> int:
    from archive.change_queries import changes
    from citynews.changes import totals_line, write_changes

    tz = site_timezone()
    now = datetime.now(UTC)
    with reading(args) as session:
        since, until, named = changes_period(args, session, now)
        found = changes(session, since, until, args.section or ())
    shown = found[: args.limit] if args.limit else found
    write_changes(sys.stdout, shown, args.format, tz)
    if args.format == "table":
        say(("\n" if shown else "") + totals_line(named, found, tz))
    if len(shown) < len(found):
        say_left_out(len(shown), len(found), "changes shown", args.format)
    return EXIT_OK


def run_feed(args: argparse.Namespace) -> int:
    from archive.change_queries import feed_entries
    from archive.search.query import QueryError, parse_query
    from citynews.feeds import FeedSpec, atom_feed, write_feed

    query = None
    if args.query is not None:
        try:
            query = parse_query(args.query)
        except QueryError as error:
            raise UserError(str(error)) from None
    if args.out != "-":
        refuse_to_overwrite(args.out, args.db)
    sections = list(dict.fromkeys(args.section or ()))
    with reading(args) as session:
        if args.watch is not None:
            sections, query, query_text = watched(session, args.watch, sections)
        else:
            query_text = args.query
        spec = FeedSpec(sections, query_text, args.feed_url, args.watch)
        entries = feed_entries(session, sections, query, args.limit)
    document = atom_feed(spec, entries, datetime.now(UTC))
    if args.out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
        return EXIT_OK
    write_feed(Path(args.out), document)
    if sys.stderr.isatty():
        print(f"wrote {len(entries)} articles to {args.out}", file=sys.stderr)
    return EXIT_OK


def watched(session: Session, name: str, sections: list[str]) -> tuple[list[str], Any, str]:
    """A saved search's sections (narrowed to those asked for), parsed query and its text."""
    from archive.search.query import parse_query
    from archive.watches import WatchError, find_watch

    try:
        watch = find_watch(session, name)
    except WatchError as error:
        raise CommandFailed(str(error)) from None
    covered = [key for key in watch.sections if not sections or key in sections]
    if watch.sections and sections and not covered:
        raise UserError(f"the watch {name!r} covers none of the sections asked for")
    return covered or sections, parse_query(watch.query), watch.query

"""`citynews watch …`: saved searches that notify, and sending what they owe."""

import argparse
import sys
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from archive.db import session_scope
from archive.models import Notification
from archive.search.query import QueryError, parse_query
from archive.watches import WatchError, add_watch, find_watch, list_watches, remove_watch
from citynews.cli.common import (
    EXIT_OK,
    CommandFailed,
    UserError,
    exclusive_archive,
    reading,
    say,
    section_key,
)
from citynews.display import labelled_time
from scraper.sections import SECTIONS_BY_KEY
from scraper.settings import site_timezone

TARGET_HELP = (
    "where to send: an apprise URL (mailto://, tgram://, json://, …), or env:NAME / "
    "file:/path (mode 0600) holding one; repeatable"
)


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    watch = commands.add_parser("watch", help="saved searches that notify after each crawl")
    actions = watch.add_subparsers(dest="watch_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="save a search that notifies", parents=[db_option])
    add.add_argument("name", help="the watch's name")
    add.add_argument("query", help='words and "quoted phrases", as citynews search takes them')
    add.add_argument(
        "--section",
        action="append",
        type=section_key,
        default=[],
        metavar="KEY",
        help=f"only this section, repeatable (default: all): {', '.join(SECTIONS_BY_KEY)}",
    )
    add.add_argument("--notify", action="append", default=[], metavar="URL", help=TARGET_HELP)
    add.add_argument(
        "--digest",
        choices=("hourly", "daily"),
        help="one message per hour or day instead of one per change",
    )
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="the watches and their targets", parents=[db_option])
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="delete a watch", parents=[db_option])
    remove.add_argument("name", help="the watch's name")
    remove.set_defaults(handler=run_remove)

    test = actions.add_parser(
        "test", help="send a sample message to every target of a watch now", parents=[db_option]
    )
    test.add_argument("name", help="the watch's name")
    test.set_defaults(handler=run_test)

    run = actions.add_parser(
        "run", help="send the notifications waiting (a crawl sends them too)", parents=[db_option]
    )
    run.add_argument(
        "--retry-failed",
        action="store_true",
        help="retry failed notifications now, not at their next retry time",
    )
    run.set_defaults(handler=run_send)


def run_add(args: argparse.Namespace) -> int:
    from citynews.alerts import TargetError, check_target, holds_secret, mask_target

    try:
        parse_query(args.query)
    except QueryError as error:
        raise UserError(str(error)) from None
    for reference in args.notify:
        try:
            check_target(reference)
        except TargetError as error:
            raise UserError(str(error)) from None
    with (
        exclusive_archive(args.db, "watch add", create=True) as engine,
        session_scope(sessionmaker(engine)) as session,
    ):
        try:
            watch = add_watch(
                session,
                args.name,
                args.query,
                args.section,
                args.notify,
                args.digest or "none",
                datetime.now(UTC),
            )
        except WatchError as error:
            raise UserError(str(error)) from None
        targets = ", ".join(mask_target(target.url) for target in watch.targets) or "none"
    say(f"watch {args.name!r} added: {args.query}; sends to {targets}")
    if not args.notify:
        say("it sends nothing until it has a target: remove it and add it with --notify URL")
    for reference in args.notify:
        if holds_secret(reference):
            print(
                f"citynews: note: {mask_target(reference)} is kept in the archive with its "
                "secret: give it as env:NAME or file:/path to keep the secret out of the archive",
                file=sys.stderr,
            )
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    from citynews.alerts import mask_target

    with reading(args) as session:
        watches = list_watches(session)
        waiting = {
            watch_id: count
            for watch_id, count in session.execute(
                select(Notification.watch_id, func.count())
                .where(Notification.status.in_(("pending", "failed", "sending")))
                .group_by(Notification.watch_id)
            )
        }
        if not watches:
            say('no watches: add one with citynews watch add NAME "QUERY" --notify URL')
        for watch in watches:
            sections = ", ".join(watch.sections) or "all sections"
            digest = "" if watch.digest == "none" else f", {watch.digest} digest"
            say(
                f"{watch.name}: {watch.query}  ({sections}{digest}; {waiting.get(watch.id, 0)} "
                "waiting)"
            )
            for target in watch.targets:
                say(f"  → {mask_target(target.url)}")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    with (
        exclusive_archive(args.db, "watch remove") as engine,
        session_scope(sessionmaker(engine)) as session,
    ):
        try:
            remove_watch(session, args.name)
        except WatchError as error:
            raise UserError(str(error)) from None
    say(f"watch {args.name!r} removed")
    return EXIT_OK


def run_test(args: argparse.Namespace) -> int:
    from citynews.alerts import mask_target, send_sample

    tz = site_timezone()
    with reading(args) as session:
        try:
            watch = find_watch(session, args.name)
        except WatchError as error:
            raise UserError(str(error)) from None
        targets = [target.url for target in watch.targets]
        name, query = watch.name, watch.query
    if not targets:
        raise UserError(f"the watch {name!r} has no target to send to")
    errors: list[str] = []
    for reference in targets:
        problem = send_sample(reference, name, query, tz)
        if problem is None:
            say(f"sent a sample to {mask_target(reference)}")
        else:
            errors.append(problem)
    if errors:
        raise CommandFailed(f"{len(errors)} of {len(targets)} targets failed: {errors[0]}")
    return EXIT_OK


def run_send(args: argparse.Namespace) -> int:
    with exclusive_archive(args.db, "watch run") as engine:
        summary_line, failed = send_notifications(engine, args.retry_failed)
    if failed:
        raise CommandFailed(summary_line)
    say(summary_line)
    return EXIT_OK


def send_notifications(engine: Engine, retry_failed: bool = False) -> tuple[str, bool]:
    """Send what is due through an archive the caller locked; a line saying what happened, and
    whether a notification failed."""
    from citynews.alerts import send_pending

    tz = site_timezone()
    summary = send_pending(sessionmaker(engine), datetime.now(UTC), tz, retry_failed)
    line = f"notifications: {summary.sent} sent"
    if summary.waiting:
        line += f", {summary.waiting} waiting for their digest"
    if summary.failed:
        line += f", {summary.failed} failed ({summary.errors[0]})"
        if summary.next_retry:
            retry = labelled_time(summary.next_retry, tz)
            line += f"; retried from {retry} by the next crawl or watch run"
    return line, bool(summary.failed)

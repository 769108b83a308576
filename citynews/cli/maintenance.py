"""The commands that rebuild the archive from itself: reparse, db upgrade, db reindex."""

import argparse

from sqlalchemy.orm import sessionmaker

from archive.db import redact, session_scope
from archive.db import upgrade as upgrade_schema
from citynews.cli.common import EXIT_OK, exclusive_archive, locked_archive, say
from scraper.settings import site_timezone


def add_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    db_option: argparse.ArgumentParser,
) -> None:
    reparse = commands.add_parser(
        "reparse",
        help="rebuild every parsed field from the stored pages (no network)",
        parents=[db_option],
    )
    reparse.set_defaults(handler=run_reparse)

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


def run_reparse(args: argparse.Namespace) -> int:
    from scraper.reparse import reparse_archive

    tz = site_timezone()
    with exclusive_archive(args.db, "reparse") as engine:
        result = reparse_archive(sessionmaker(engine, expire_on_commit=False), tz)
    say(result.summary())
    return EXIT_OK


def run_db_reindex(args: argparse.Namespace) -> int:
    from archive.search.index import indexed_parts, reindex

    with (
        exclusive_archive(args.db, "db reindex") as engine,
        session_scope(sessionmaker(engine)) as session,
    ):
        count = reindex(session)
        parts = indexed_parts(session)
    documents = f" and {parts} pages of documents" if parts else ""
    print(f"indexed {count} articles{documents}")
    return EXIT_OK


def run_db_upgrade(args: argparse.Namespace) -> int:
    with locked_archive(args.db, "db upgrade", create=True) as engine:
        before, after = upgrade_schema(engine)
    where = redact(args.db)
    if before == after:
        print(f"the archive {where} is up to date (schema revision {after})")
    elif before is None:
        print(f"created the archive {where} at schema revision {after}")
    else:
        print(f"upgraded the archive {where} from schema revision {before} to {after}")
    return EXIT_OK

"""A Datasette plugin: the Atom feeds `citynews feed` writes, served at stable addresses.

- `/feeds/all.atom`: the newest articles of every section;
- `/feeds/section/KEY.atom`: the newest articles of one section;
- `/feeds/watch/NAME.atom`: the newest articles a saved search (`citynews watch`) matches;

each takes `?q=` (only the articles a search matches, the command line's query language; a
query that cannot be searched gets the command line's reason, status 400) and `?limit=`.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from datasette import Response, hookimpl
from sqlalchemy.orm import Session

from archive.change_queries import feed_entries
from archive.db import read_only_sqlite_engine
from archive.search.query import Query, QueryError, parse_query
from archive.watches import WatchError, find_watch
from citynews.feeds import FEED_LIMIT, FeedSpec, atom_feed
from scraper.sections import SECTIONS_BY_KEY

ATOM_TYPE = "application/atom+xml; charset=utf-8"
MAX_LIMIT = 500


def feed_document(path: Path, spec: FeedSpec, query: Query | None, limit: int) -> bytes:
    """The feed of the archive at path, read on an engine of its own that only reads; a watch's
    feed takes the watch's query and sections (WatchError when there is no such watch)."""
    engine = read_only_sqlite_engine(path)
    try:
        with Session(engine) as session:
            if spec.watch is not None:
                watch = find_watch(session, spec.watch)
                spec = replace(spec, sections=list(watch.sections), query_text=watch.query)
                query = parse_query(watch.query)
            entries = feed_entries(session, spec.sections, query, limit)
    finally:
        engine.dispose()
    return atom_feed(spec, entries, datetime.now(UTC))


def requested_limit(value: str | None) -> int | None:
    """?limit=N as a number from 1 to MAX_LIMIT (FEED_LIMIT when absent), else None."""
    if not value:
        return FEED_LIMIT
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_LIMIT else None


async def serve_feed(datasette, request, sections: list[str], watch: str | None = None) -> Response:  # type: ignore[no-untyped-def]
    query_text = request.args.get("q") or None
    query = None
    if query_text is not None:
        try:
            query = parse_query(query_text)
        except QueryError as error:
            return Response.text(str(error), status=400)
    limit = requested_limit(request.args.get("limit"))
    if limit is None:
        return Response.text(f"limit: expected a whole number from 1 to {MAX_LIMIT}", status=400)
    self_url = datasette.absolute_url(request, request.full_path)
    if watch is not None and query_text is not None:
        return Response.text("a watch's feed takes no ?q=: the watch has its query", status=400)
    spec = FeedSpec(sections, query_text, self_url, watch)
    path = Path(datasette.get_database().path)
    try:
        document = await asyncio.to_thread(feed_document, path, spec, query, limit)
    except WatchError as error:
        return Response.text(str(error), status=404)
    return Response(document, content_type=ATOM_TYPE)


async def all_feed(datasette, request) -> Response:  # type: ignore[no-untyped-def]
    return await serve_feed(datasette, request, [])


async def section_feed(datasette, request) -> Response:  # type: ignore[no-untyped-def]
    key = request.url_vars["key"]
    if key not in SECTIONS_BY_KEY:
        known = ", ".join(SECTIONS_BY_KEY)
        return Response.text(f"unknown section {key!r} (known: {known})", status=404)
    return await serve_feed(datasette, request, [key])


async def watch_feed(datasette, request) -> Response:  # type: ignore[no-untyped-def]
    return await serve_feed(datasette, request, [], unquote(request.url_vars["name"]))


@hookimpl
def register_routes():  # type: ignore[no-untyped-def]
    return [
        (r"^/feeds/all\.atom$", all_feed),
        (r"^/feeds/section/(?P<key>[^/]+)\.atom$", section_feed),
        (r"^/feeds/watch/(?P<name>[^/]+)\.atom$", watch_feed),
    ]

"""A Datasette plugin: the command line's search (lemmas, phrases) and its error messages.

`citynews_match(query)` turns a reader's words into the FTS5 expression `citynews search` uses
(`citynews_document_match` for the documents' text); `citynews_snippet(text, query)` gives the
few words around the first match, as the command line shows them.
SQLite reports any exception in such a function as "user-defined function raised exception", so
a query page whose `q` cannot be searched, or whose `since` or `until` is not a day, shows the
command line's one-line reason instead, and so does the JSON API (`….json?q=…`): its error
message is replaced by that reason.
"""

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from datasette import hookimpl

from archive.search.query import LEXICON_SQL, QueryError, lexicon_of, parse_query
from citynews.snippets import snippet

# A term no indexed text can hold (the index holds only Cyrillic, Latin, digits and '_').
MATCHES_NOTHING = '"ǂ"'
# SQLite's message for any exception raised in a user-defined function.
GENERIC_ERROR = "user-defined function raised exception"
# Why the queries that failed in citynews_match failed, by query text, for their pages.
REASONS: dict[str, str] = {}


def fts5_expression(conn: sqlite3.Connection, query: str | None, columns: str) -> str:
    """The FTS5 expression for a query; an empty query matches nothing."""
    if not query or not query.strip():
        return MATCHES_NOTHING
    try:
        parsed = parse_query(query)
        lemmas = json.dumps(sorted(parsed.lemmas))
        rows = conn.execute(LEXICON_SQL.replace(":lemmas", "?"), [lemmas])
        return parsed.fts5(lexicon_of(rows), columns)
    except QueryError as error:
        if len(REASONS) > 1000:
            REASONS.clear()
        REASONS[query] = str(error)
        raise


def query_error(query: str | None) -> str | None:
    """Why a query cannot be searched, or None."""
    if not query or not query.strip():
        return None
    try:
        parse_query(query)
    except QueryError as error:
        return str(error)
    return REASONS.get(query)


def day_error(name: str, value: str | None) -> str | None:
    """Why a since/until value is not a day, or None."""
    if not value or not value.strip():
        return None
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return f"{name}: expected a date as YYYY-MM-DD, got {value!r}"
    return None


def request_error(first: Callable[[str], str | None]) -> str | None:
    """Why a query page's parameters cannot be searched (q, since, until), or None; `first`
    gives a parameter's first value."""
    return (
        query_error(first("q"))
        or day_error("since", first("since"))
        or day_error("until", first("until"))
    )


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function(
        "citynews_match", 1, lambda q: fts5_expression(conn, q, "title body"), deterministic=True
    )
    conn.create_function(
        "citynews_title_match", 1, lambda q: fts5_expression(conn, q, "title"), deterministic=True
    )
    conn.create_function(
        "citynews_document_match",
        1,
        lambda q: fts5_expression(conn, q, "body"),
        deterministic=True,
    )
    conn.create_function("citynews_snippet", 2, snippet_of, deterministic=True)


def snippet_of(text: str | None, query: str | None) -> str | None:
    """The words of a text around the first match of a query (the text's start when the query
    cannot be searched)."""
    if text is None:
        return None
    try:
        return snippet(text, parse_query(query or ""))
    except QueryError:
        return text[:240]


@hookimpl
def extra_template_vars(template: str, request) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """On a query page, the reason a bad `q` fails, in place of SQLite's generic message."""
    if request is None or not template.startswith("query"):
        return {}
    reason = request_error(request.args.get)
    return {"error": reason} if reason else {}


def explained(body: bytes, reason: str) -> bytes:
    """A JSON error response's body with SQLite's generic message replaced by the reason."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict) or document.get("error") != GENERIC_ERROR:
        return body
    document["error"] = reason
    return json.dumps(document, ensure_ascii=False).encode()


@hookimpl
def asgi_wrapper(datasette):  # type: ignore[no-untyped-def]
    """JSON responses to a bad `q` give the command line's reason, as the HTML page does."""

    def wrap(app):  # type: ignore[no-untyped-def]
        async def explain_bad_queries(scope, receive, send):  # type: ignore[no-untyped-def]
            if scope["type"] != "http" or not scope["path"].endswith(".json"):
                return await app(scope, receive, send)
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            reason = request_error(lambda name: query[name][0] if name in query else None)
            if reason is None:
                return await app(scope, receive, send)
            started: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def buffered_send(message):  # type: ignore[no-untyped-def]
                if message["type"] == "http.response.start":
                    started.update(message)
                    return
                if message["type"] != "http.response.body":
                    return await send(message)
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = explained(b"".join(chunks), reason)
                headers = [
                    (name, value)
                    for name, value in started.get("headers", [])
                    if name.lower() != b"content-length"
                ]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**started, "headers": headers})
                await send({"type": "http.response.body", "body": body})

            return await app(scope, receive, buffered_send)

        return explain_bad_queries

    return wrap

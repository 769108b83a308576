"""A Datasette plugin: the command line's search (lemmas, phrases) and its error messages.

`citynews_match(query)` turns a reader's words into the FTS5 expression `citynews search` uses.
SQLite reports any exception in such a function as "user-defined function raised exception", so
a query page whose `q` cannot be searched shows the command line's one-line reason instead.
"""

import json
import sqlite3

from datasette import hookimpl

from archive.search import LEXICON_SQL, QueryError, lexicon_of, parse_query

# A term no indexed text can hold (the index holds only Cyrillic, Latin, digits and '_').
MATCHES_NOTHING = '"ǂ"'
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


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function(
        "citynews_match", 1, lambda q: fts5_expression(conn, q, "title body"), deterministic=True
    )
    conn.create_function(
        "citynews_title_match", 1, lambda q: fts5_expression(conn, q, "title"), deterministic=True
    )


@hookimpl
def extra_template_vars(template: str, request) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """On a query page, the reason a bad `q` fails, in place of SQLite's generic message."""
    if request is None or not template.startswith("query"):
        return {}
    reason = query_error(request.args.get("q"))
    return {"error": reason} if reason else {}

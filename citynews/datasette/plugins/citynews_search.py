"""A Datasette plugin: citynews_match(query) turns a reader's words into a stemmed FTS5 query."""

from datasette import hookimpl

from archive.search import QueryError, parse_query

# A term no indexed text can hold (the index holds only Cyrillic, Latin and digits).
MATCHES_NOTHING = '"ǂ"'


def fts5_expression(query: str | None, columns: str) -> str:
    """The FTS5 expression for a query; an empty query matches nothing."""
    if not query or not query.strip():
        return MATCHES_NOTHING
    try:
        return parse_query(query).fts5(columns)
    except QueryError as error:
        raise ValueError(str(error)) from None


def citynews_match(query: str | None) -> str | None:
    return fts5_expression(query, "title body")


def citynews_title_match(query: str | None) -> str | None:
    return fts5_expression(query, "title")


@hookimpl
def prepare_connection(conn) -> None:  # type: ignore[no-untyped-def]
    conn.create_function("citynews_match", 1, citynews_match, deterministic=True)
    conn.create_function("citynews_title_match", 1, citynews_title_match, deterministic=True)

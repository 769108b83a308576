"""Running a search: the articles matching every word and phrase of a query within filters,
ranked (title matches first, then relevance, then newest) and streamed, or counted; in the
articles' own text, in the documents they link, or both (the articles' own matches first)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    Result,
    Subquery,
    TextClause,
    TextualSelect,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session, load_only

from archive.models import Article
from archive.search.document_matches import (
    DocumentMatch,
    best_part_per_article,
    document_matches,
    matched_article_ids,
)
from archive.search.postings import postgres_single_word_matches, single_word_matches
from archive.search.query import LEXICON_SQL, Query, lexicon_of

TITLE_WEIGHT = 10.0
BATCH = 500
ALL_MATCHES = 2**31 - 1  # a limit no archive reaches: every match
# What a search result shows of an article (never its stored page or HTML).
SHOWN_COLUMNS = (
    Article.url,
    Article.section,
    Article.title,
    Article.body_text,
    Article.published_at,
    Article.published_precision,
    Article.views,
)
Clause = TypeVar("Clause", TextClause, TextualSelect)
TIES = " FETCH FIRST (:limit) ROWS WITH TIES"


@dataclass(frozen=True)
class Filters:
    section: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_views: int | None = None


class Scope(StrEnum):
    """Where a query's words are looked for."""

    ARTICLES = "articles"  # an article's title and text
    DOCUMENTS = "documents"  # the text of the documents it links, one page at a time
    ALL = "all"  # both: the articles' own matches first


@dataclass
class Hit:
    article: Article
    score: float
    title_match: bool
    document: DocumentMatch | None = None  # the document part it was found by, if not its text

    @property
    def matched_in(self) -> str:
        return "article" if self.document is None else "document"


def search(
    session: Session, query: Query, filters: Filters, limit: int = 20, scope: Scope = Scope.ALL
) -> list[Hit]:
    """The best `limit` articles matching every word and phrase, as a list (`iter_search`)."""
    return list(iter_search(session, query, filters, limit, scope))


def iter_search(
    session: Session,
    query: Query,
    filters: Filters,
    limit: int | None = 20,
    scope: Scope = Scope.ALL,
) -> Iterator[Hit]:
    """Articles matching every word and phrase: title matches first, then by relevance, then
    newest; the best `limit` (None: all). Streamed: the ranking holds article ids and scores
    only, and articles are read a batch at a time, so memory stays flat whatever the limit.

    In `Scope.DOCUMENTS`, an article matches when one part (page, sheet, member) of a document
    it links holds every word and phrase; its hit says which. `Scope.ALL` gives the articles
    matching in their own title or text first, then those found by their documents alone."""
    wanted = ALL_MATCHES if limit is None else limit
    shown: set[int] = set()
    if scope is not Scope.DOCUMENTS:
        for hit in _article_hits(session, _ranked_ids(session, query, filters, wanted)):
            shown.add(hit.article.id)
            yield hit
        if scope is Scope.ARTICLES or len(shown) >= wanted:
            return
    # Of the best `wanted`, those already shown are skipped and the rest fill up the limit.
    ranked = _ranked_document_ids(session, query, filters, wanted)
    left = wanted - len(shown)
    for hit in _document_hits(session, ranked, shown):
        yield hit
        left -= 1
        if not left:
            return


def _article_hits(session: Session, ranked: Result[int, Any, Any]) -> Iterator[Hit]:
    for batch in ranked.partitions():
        rows = [tuple(row) for row in batch]
        articles = _articles(session, [article_id for article_id, _, _ in rows])
        for article_id, score, title_match in rows:
            yield Hit(articles[article_id], float(score), bool(title_match))


def _document_hits(
    session: Session, ranked: Result[int, Any, Any, Any], shown: set[int]
) -> Iterator[Hit]:
    for batch in ranked.partitions():
        rows = [tuple(row) for row in batch if row[0] not in shown]
        articles = _articles(session, [article_id for article_id, *_ in rows])
        matches = document_matches(
            session, [(article_id, part, document) for article_id, _, part, document in rows]
        )
        for article_id, score, part, _ in rows:
            yield Hit(articles[article_id], float(score), False, matches[(article_id, part)])


def _articles(session: Session, ids: list[int]) -> dict[int, Article]:
    return {
        article.id: article
        for article in session.scalars(
            select(Article).where(Article.id.in_(ids)).options(load_only(*SHOWN_COLUMNS))
        )
    }


def _ranked_document_ids(
    session: Session, query: Query, filters: Filters, limit: int
) -> Result[int, Any, Any, Any]:
    """(article id, score, part id, document id) of the best `limit` articles found by the
    text of their documents, by relevance then newest, streamed."""
    within, filter_params = _within(filters)
    postgres = session.get_bind().dialect.name == "postgresql"
    best = _typed(best_part_per_article(postgres, within), filter_params).subquery("best")
    stmt = (
        select(Article.id, best.c.score, best.c.part_id, best.c.document_id)
        .join(best, best.c.article_id == Article.id)
        .order_by(best.c.score.desc(), Article.published_at.desc(), Article.id)
        .limit(limit)
    )
    connection = session.connection().execution_options(stream_results=True, yield_per=BATCH)
    return connection.execute(
        stmt, {**_document_params(session, query, postgres), **filter_params, "limit": limit}
    )


def _document_params(session: Session, query: Query, postgres: bool) -> dict[str, str]:
    if postgres:
        return {"tsquery": query.tsquery()}
    return {"document_match": query.fts5(_lexicon(session, query), "body")}


def _ranked_ids(
    session: Session, query: Query, filters: Filters, limit: int
) -> Result[int, Any, Any]:
    """(article id, score, title match) of the best `limit` matches, in order, streamed."""
    # Filters are applied while matching (the articles' ids from a covering index), so only
    # the best `limit` matches are ever joined to their articles.
    within, filter_params = _within(filters)
    top = within + " ORDER BY title_match DESC, score DESC LIMIT :limit"
    single_word = len(query.phrases) == 1 and len(query.phrases[0]) == 1
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Articles tied with the last one all go on, so that the final order (newest first
        # among equals) is the same whatever the limit.
        top = top.replace(" LIMIT :limit", TIES)
    matches: Subquery
    params: dict[str, Any]
    if single_word:
        if postgres:
            best = postgres_single_word_matches(within, query.phrases[0][0])
        else:
            best = single_word_matches(within)
        matches = _typed(best, filter_params).subquery("matches")
        params = {} if postgres else {"lemmas": list(query.phrases[0][0])}
    elif postgres:
        params = {"tsquery": query.tsquery()}
        where = top.replace(" ID ", " article_id ")
        # Title matches rank first: when there are `limit` of them, only they need ranking.
        if _enough_title_matches(session, where, {**params, **filter_params, "limit": limit}):
            where = " AND title_document @@ CAST(:tsquery AS tsquery)" + where
        matches = _postgres_matches(where, filter_params)
    else:
        # "+rowid": the filter is checked on each match, not handed to FTS5 as rowids to seek.
        matches = _sqlite_matches(top.replace(" ID ", " +rowid "), filter_params)
        params = _fts5_params(session, query)
    stmt = (
        select(Article.id, matches.c.score, matches.c.title_match)
        .join(matches, matches.c.article_id == Article.id)
        .order_by(
            matches.c.title_match.desc(),
            matches.c.score.desc(),
            Article.published_at.desc(),
            Article.id,
        )
        .limit(limit)
    )
    connection = session.connection().execution_options(stream_results=True, yield_per=BATCH)
    return connection.execute(stmt, {**params, **filter_params, "limit": limit})


def _fts5_params(session: Session, query: Query) -> dict[str, str]:
    """The FTS5 expressions of a query, over title and text and over the title alone."""
    lexicon = _lexicon(session, query)
    return {"match": query.fts5(lexicon), "title_match": query.fts5(lexicon, "title")}


def _lexicon(session: Session, query: Query) -> dict[str, set[str]]:
    """The multi-lemma index terms holding each lemma of the query (SQLite)."""
    return lexicon_of(
        session.execute(text(LEXICON_SQL), {"lemmas": json.dumps(sorted(query.lemmas))})
    )


def count_matches(
    session: Session, query: Query, filters: Filters, scope: Scope = Scope.ALL
) -> int:
    """How many articles match every word and phrase, within the filters, in the scope."""
    matching = matching_article_ids(session, query, scope, filters).subquery("matching")
    return int(session.execute(select(func.count()).select_from(matching)).scalar() or 0)


def matching_article_ids(
    session: Session, query: Query, scope: Scope = Scope.ALL, filters: Filters | None = None
) -> TextualSelect:
    """The ids of the articles that match every word and phrase, within the filters, in the
    scope, as a select (its parameters bound) to count them or to filter other queries by."""
    within, filter_params = _within(filters or Filters())
    postgres = session.get_bind().dialect.name == "postgresql"
    selects: list[str] = []
    params: dict[str, Any] = {}
    if scope is not Scope.DOCUMENTS:
        selects.append(_matching_article_ids(session, query, within, postgres, params))
    if scope is not Scope.ARTICLES:
        selects.append(matched_article_ids(postgres, within))
        params.update(_document_params(session, query, postgres))
    matching = _typed(text(" UNION ".join(selects)), filter_params)
    if params.get("lemmas"):
        matching = matching.bindparams(bindparam("lemmas", expanding=True))
    return matching.bindparams(**params, **filter_params).columns(article_id=Article.id.type)


def _matching_article_ids(
    session: Session, query: Query, within: str, postgres: bool, params: dict[str, Any]
) -> str:
    """The ids of the articles matching in their title or text; their parameters go in params."""
    if len(query.phrases) == 1 and len(query.phrases[0]) == 1:
        params["lemmas"] = list(query.phrases[0][0])
        return "SELECT article_id FROM search_postings WHERE lemma IN :lemmas" + within.replace(
            " ID ", " article_id "
        )
    if postgres:
        params["tsquery"] = query.tsquery()
        return (
            "SELECT article_id FROM search_documents WHERE document @@ CAST(:tsquery AS tsquery)"
            + within.replace(" ID ", " article_id ")
        )
    params["match"] = _fts5_params(session, query)["match"]
    return "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match" + within.replace(
        " ID ", " +rowid "
    )


def _typed(clause: Clause, params: dict[str, Any]) -> Clause:
    """The clause with its date parameters bound as the archive's dates (UTC)."""
    dates = [bindparam(name, type_=Article.published_at.type) for name in ("since", "until")]
    return clause.bindparams(*(date for date in dates if date.key in params))


def _within(filters: Filters) -> tuple[str, dict[str, Any]]:
    """' AND ID IN (the filtered articles' ids)', or '', and its parameters (ID: the id column)."""
    conditions = {
        "section = :section": filters.section,
        "published_at >= :since": filters.since,
        "published_at < :until": filters.until,
        "views >= :min_views": filters.min_views,
    }
    chosen = [condition for condition, value in conditions.items() if value is not None]
    if not chosen:
        return "", {}
    names = ("section", "since", "until", "min_views")
    params = {
        name: value
        for name, value in zip(names, conditions.values(), strict=True)
        if value is not None
    }
    return " AND ID IN (SELECT id FROM articles WHERE " + " AND ".join(chosen) + ")", params


def _sqlite_matches(top: str, filter_params: dict[str, Any]) -> Subquery:
    return (
        _typed(
            text(
                "SELECT rowid AS article_id, "
                "-bm25(articles_fts, :title_weight, 1.0, 0.0) AS score, "
                "rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :title_match) "
                "AS title_match FROM articles_fts WHERE articles_fts MATCH :match" + top
            ),
            filter_params,
        )
        .bindparams(bindparam("title_weight", TITLE_WEIGHT))
        .columns(article_id=Article.id.type, score=Float, title_match=Article.id.type)
        .subquery("matches")
    )


def _enough_title_matches(session: Session, where: str, params: dict[str, Any]) -> bool:
    """Whether at least `limit` articles match in their titles (PostgreSQL, GIN on titles)."""
    within = where.split(" ORDER BY ")[0]
    found = session.execute(
        _typed(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM search_documents "
                "WHERE title_document @@ CAST(:tsquery AS tsquery)" + within + " LIMIT :limit) AS t"
            ),
            params,
        ),
        params,
    ).scalar()
    return found is not None and found >= params["limit"]


def _postgres_matches(top: str, filter_params: dict[str, Any]) -> Subquery:
    return (
        _typed(
            text(
                "SELECT article_id, ts_rank('{0.1, 0.2, 0.4, 1.0}', document, "
                "CAST(:tsquery AS tsquery)) AS score, "
                "title_document @@ CAST(:tsquery AS tsquery) AS title_match "
                "FROM search_documents WHERE document @@ CAST(:tsquery AS tsquery)" + top
            ),
            filter_params,
        )
        .columns(article_id=Article.id.type, score=Float, title_match=Article.id.type)
        .subquery("matches")
    )

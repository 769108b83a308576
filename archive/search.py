"""Russian full-text search over titles and bodies, the same on SQLite (FTS5) and PostgreSQL.

Every word is indexed as its Russian dictionary lemmas (archive/lemmas.py: all normal forms of
an ambiguous word, the analyser's predictions for unknown words), and a query word matches any
word sharing one of its lemmas. Phrases keep word order over lemmas:

- PostgreSQL: a tsvector holds every lemma of a word at the word's position, so a phrase is
  `(lemmas of word 1) <-> (lemmas of word 2)`;
- SQLite: FTS5 holds one term per position, the word's lemmas joined by '_' (`сталь_стать`),
  and the table `search_lemmas` lists, for each such multi-lemma term, the lemmas in it. A query
  word becomes its lemmas plus the terms holding them; a phrase, every sequence of those.

Both say the same thing, so both backends give the same result sets. A query is words and
"quoted phrases" (a hyphenated word is a phrase of its parts); every one must match. The query
text never reaches SQL: only lemmas and terms made of letters, digits and '_' do, always as
bound parameters. `search_index_state` names the analysis the index was built with; when it is
not the current one, `rebuild_stale_index` (run by the archive's upgrade) rebuilds the index.
"""

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Float,
    Result,
    Subquery,
    TextClause,
    TextualSelect,
    bindparam,
    select,
    text,
)
from sqlalchemy.orm import Session, load_only

from archive.lemmas import (
    CACHE_SIZE,
    MAX_WORD_LENGTH,
    WORD_RE,
    analysis_version,
    lemma_token,
    lemmas,
    words,
)
from archive.models import Article
from archive.postings import (
    add_postings,
    lemma_weights,
    postgres_single_word_matches,
    replace_postings,
    single_word_matches,
)

OPERATOR_RE = re.compile(r"[*()^:+|&!<>{}\[\]~=\\/]|(?:^|\s)-")
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "NEAR"})
TITLE_WEIGHT = 10.0
# FTS5 has no alternatives inside a phrase: a phrase becomes the OR of its readings, at most this
# many (a phrase of five ordinary words has a few dozen).
MAX_PHRASE_READINGS = 4096
# The lexicon's (lemma, term) pairs for a JSON array of lemmas; bound, never interpolated.
LEXICON_SQL = (
    "SELECT lemma, token FROM search_lemmas WHERE lemma IN (SELECT value FROM json_each(:lemmas))"
)
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


class QueryError(ValueError):
    """A query that cannot be searched; the message says how to fix it."""


Word = tuple[str, ...]  # the lemmas of one query word


@dataclass(frozen=True)
class Query:
    """A parsed query: phrases of words, each word the tuple of its lemmas."""

    text: str
    phrases: tuple[tuple[Word, ...], ...]

    @property
    def lemmas(self) -> set[str]:
        return {lemma for phrase in self.phrases for word in phrase for lemma in word}

    def fts5(self, lexicon: Mapping[str, Iterable[str]], columns: str = "title body") -> str:
        """The FTS5 MATCH expression, given the index terms holding each lemma (`lexicon_of`)."""
        parts = []
        for phrase in self.phrases:
            choices = [
                sorted({*word, *(term for lemma in word for term in lexicon.get(lemma, ()))})
                for word in phrase
            ]
            readings = 1
            for choice in choices:
                readings *= len(choice)
            if readings > MAX_PHRASE_READINGS:
                raise QueryError(
                    f'the phrase "{" ".join(word[0] for word in phrase)}" has too many readings '
                    "to search: shorten it, or search its words unquoted"
                )
            variants = ('"' + " ".join(terms) + '"' for terms in itertools.product(*choices))
            parts.append("(" + " OR ".join(variants) + ")")
        return f"{{{columns}}} : ({' AND '.join(parts)})"

    def tsquery(self) -> str:
        """The PostgreSQL tsquery (cast, not parsed: the lemmas are the lexemes)."""
        return " & ".join(
            "(" + " <-> ".join(_any(f"'{lemma}'" for lemma in word) for word in phrase) + ")"
            for phrase in self.phrases
        )


def _any(terms: Iterable[str]) -> str:
    listed = list(terms)
    return listed[0] if len(listed) == 1 else "(" + " | ".join(listed) + ")"


def lexicon_of(rows: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Lemma -> the multi-lemma index terms that hold it, from `LEXICON_SQL` rows."""
    lexicon: dict[str, set[str]] = {}
    for lemma, term in rows:
        lexicon.setdefault(lemma, set()).add(term)
    return lexicon


def parse_query(query: str) -> Query:
    """Parse words and "quoted phrases", or raise QueryError saying what is wrong."""
    if not query.strip():
        raise QueryError("empty query: give one or more words")
    if query.count('"') % 2:
        raise QueryError('unbalanced quote: close the phrase with another "')
    check_word_lengths(query)
    phrases: list[tuple[Word, ...]] = []
    for index, part in enumerate(query.split('"')):
        quoted = index % 2 == 1
        if quoted:
            tokens = words(part)
            if not tokens:
                raise QueryError('empty phrase: put words between the quotes, e.g. "улица Ленина"')
            phrases.append(tuple(lemmas(token) for token in tokens))
            continue
        check_operators(part)
        for chunk in part.split():
            tokens = words(chunk)
            if tokens:
                phrases.append(tuple(lemmas(token) for token in tokens))
    if not phrases:
        raise QueryError("no words to search for: give letters or digits")
    return Query(query, tuple(dict.fromkeys(phrases)))


def check_word_lengths(query: str) -> None:
    """Refuse a word longer than any the index holds: it could never match."""
    for word in WORD_RE.findall(query):
        if len(word) > MAX_WORD_LENGTH:
            raise QueryError(
                f"the word {word[:20]}… has {len(word)} letters: words longer than "
                f"{MAX_WORD_LENGTH} are not indexed, so it cannot match; leave it out"
            )


def check_operators(part: str) -> None:
    operator = OPERATOR_RE.search(part)
    if operator:
        raise QueryError(
            f"unsupported operator {operator.group().strip()!r}: search takes words and "
            '"quoted phrases", and finds articles with all of them'
        )
    for word in part.split():
        if word in OPERATOR_WORDS:
            raise QueryError(
                f"unsupported operator {word!r}: every word must match; use several searches "
                "for alternatives"
            )


# The index


SQLITE_INSERT = (
    "INSERT INTO articles_fts (rowid, title, body, words) VALUES (:id, :title, :body, :words)"
)
POSTGRES_INSERT = (
    "INSERT INTO search_documents (article_id, title_document, document) "
    "VALUES (:id, CAST(:title AS tsvector), CAST(:document AS tsvector))"
)


@dataclass(frozen=True)
class IndexValues:
    """A document's search-index values for both backends, computed from its title and text
    alone (no database), so that it can be done where the page is parsed."""

    title_terms: str  # SQLite: one term per title word, its lemmas joined by '_'
    body_terms: str
    words: str  # the words themselves
    title_tsvector: str  # PostgreSQL: every lemma of a word at the word's position
    tsvector: str
    lemma_weights: tuple[tuple[str, float], ...]  # both: the postings, one a lemma

    def multi_lemma_terms(self) -> set[str]:
        """The terms standing for more than one lemma (the SQLite lexicon lists them)."""
        return {
            term for term in (*self.title_terms.split(), *self.body_terms.split()) if "_" in term
        }


def index_values(title_text: str | None, body_text: str | None) -> IndexValues:
    """The index values of a title and a text."""
    title, body = words(title_text or ""), words(body_text or "")
    # The text starts one position after the title's end, so no phrase spans the two.
    return IndexValues(
        title_terms=" ".join(lemma_token(word) for word in title),
        body_terms=" ".join(lemma_token(word) for word in body),
        words=" ".join(title + body),
        title_tsvector=_tsvector([(title, 1, "A")]),
        tsvector=_tsvector([(title, 1, "A"), (body, len(title) + 2, "B")]),
        lemma_weights=lemma_weights(title, body),
    )


def index_article(session: Session, article: Article, values: IndexValues | None = None) -> None:
    """Put an article's current title and text into the search index (values: their index
    values, when already computed)."""
    values = values or index_values(article.title, article.body_text)
    write_index(session, [(article.id, values)], new=False)


def write_index(session: Session, documents: list[tuple[int, IndexValues]], new: bool) -> None:
    """Index documents by article id, in one statement per table; new: none of them is indexed
    yet (nothing to replace)."""
    if not documents:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    ids = [id_ for id_, _ in documents]
    old_lemmas = {} if new else indexed_lemmas(session, ids, postgres)
    if postgres:
        upsert = POSTGRES_INSERT + (
            " ON CONFLICT (article_id) DO UPDATE SET "
            "title_document = excluded.title_document, document = excluded.document"
        )
        rows = [
            {"id": id_, "title": values.title_tsvector, "document": values.tsvector}
            for id_, values in documents
        ]
        session.execute(text(upsert), rows)
    else:
        if not new:
            session.execute(
                text("DELETE FROM articles_fts WHERE rowid = :id"), [{"id": id_} for id_ in ids]
            )
        rows = [
            {
                "id": id_,
                "title": values.title_terms,
                "body": values.body_terms,
                "words": values.words,
            }
            for id_, values in documents
        ]
        session.execute(text(SQLITE_INSERT), rows)
        terms = set().union(*(values.multi_lemma_terms() for _, values in documents))
        _add_to_lexicon(session, terms)
    for id_, values in documents:
        if id_ in old_lemmas:
            replace_postings(session, id_, old_lemmas[id_], values.lemma_weights)
    add_postings(
        session,
        [(lemma, id_, weight) for id_, values in documents if id_ not in old_lemmas
         for lemma, weight in values.lemma_weights],
    )  # fmt: skip


def indexed_lemmas(session: Session, ids: list[int], postgres: bool) -> dict[int, set[str]]:
    """The lemmas each already indexed article holds in the index (what its postings hold)."""
    if postgres:
        stmt = text(
            "SELECT article_id, tsvector_to_array(document) FROM search_documents "
            "WHERE article_id IN :ids"
        )
    else:
        stmt = text("SELECT rowid, title || ' ' || body FROM articles_fts WHERE rowid IN :ids")
    rows = session.execute(stmt.bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    if postgres:
        return {id_: set(lexemes) for id_, lexemes in rows}
    return {
        id_: {lemma for term in terms.split() for lemma in term.split("_")} for id_, terms in rows
    }


def _add_to_lexicon(session: Session, terms: Iterable[str]) -> None:
    """Record which lemmas each multi-lemma term holds (single lemmas need no entry)."""
    rows = [
        {"lemma": lemma, "token": term}
        for term in terms
        if "_" in term
        for lemma in term.split("_")
    ]
    if rows:
        session.execute(
            text("INSERT OR IGNORE INTO search_lemmas (lemma, token) VALUES (:lemma, :token)"), rows
        )


def _tsvector(parts: list[tuple[list[str], int, str]]) -> str:
    positions: dict[str, list[str]] = {}
    for part_words, first, weight in parts:
        for position, word in enumerate(part_words, start=first):
            for lemma in lemmas(word):
                positions.setdefault(lemma, []).append(f"{position}{weight}")
    return " ".join(f"'{lemma}':{','.join(where)}" for lemma, where in positions.items())


def reindex(session: Session) -> int:
    """Rebuild the whole search index from the articles; return how many were indexed."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("DELETE FROM search_documents"))
    else:
        session.execute(text("DELETE FROM articles_fts"))
        session.execute(text("DELETE FROM search_lemmas"))
    session.execute(text("DELETE FROM search_postings"))
    count = 0
    rows = session.execute(
        select(Article.id, Article.title, Article.body_text).execution_options(yield_per=BATCH)
    )
    for batch in _batches(rows):
        documents = [(id_, index_values(title, body)) for id_, title, body in batch]
        write_index(session, documents, new=True)
        count += len(documents)
    session.execute(
        text("UPDATE search_index_state SET analysis = :analysis"), {"analysis": analysis_version()}
    )
    return count


def _batches(rows: Iterable) -> Iterator[list]:  # type: ignore[type-arg]
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH)):
        yield batch


def index_is_stale(connection: Connection) -> bool:
    """Whether the index was built with another analysis than this version's."""
    built_with = connection.execute(text("SELECT analysis FROM search_index_state")).scalar()
    return built_with != analysis_version()


def rebuild_stale_index(connection: Connection) -> int | None:
    """Rebuild the index if it was built with another analysis; return how many were indexed."""
    if not index_is_stale(connection):
        return None
    with Session(bind=connection) as session:
        return reindex(session)


# Searching


@dataclass(frozen=True)
class Filters:
    section: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_views: int | None = None


@dataclass
class Hit:
    article: Article
    score: float
    title_match: bool


def search(session: Session, query: Query, filters: Filters, limit: int = 20) -> list[Hit]:
    """The best `limit` articles matching every word and phrase, as a list (`iter_search`)."""
    return list(iter_search(session, query, filters, limit))


def iter_search(
    session: Session, query: Query, filters: Filters, limit: int | None = 20
) -> Iterator[Hit]:
    """Articles matching every word and phrase: title matches first, then by relevance, then
    newest; the best `limit` (None: all). Streamed: the ranking holds article ids and scores
    only, and articles are read a batch at a time, so memory stays flat whatever the limit."""
    ranked = _ranked_ids(session, query, filters, ALL_MATCHES if limit is None else limit)
    for batch in ranked.partitions():
        rows = [tuple(row) for row in batch]
        ids = [article_id for article_id, _, _ in rows]
        articles = {
            article.id: article
            for article in session.scalars(
                select(Article).where(Article.id.in_(ids)).options(load_only(*SHOWN_COLUMNS))
            )
        }
        for article_id, score, title_match in rows:
            yield Hit(articles[article_id], float(score), bool(title_match))


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
    lexicon = lexicon_of(
        session.execute(text(LEXICON_SQL), {"lemmas": json.dumps(sorted(query.lemmas))})
    )
    return {"match": query.fts5(lexicon), "title_match": query.fts5(lexicon, "title")}


def count_matches(session: Session, query: Query, filters: Filters) -> int:
    """How many articles match every word and phrase, within the filters."""
    within, filter_params = _within(filters)
    postgres = session.get_bind().dialect.name == "postgresql"
    single_word = len(query.phrases) == 1 and len(query.phrases[0]) == 1
    params: dict[str, Any]
    if single_word:
        counting = text(
            "SELECT count(DISTINCT article_id) FROM search_postings WHERE lemma IN :lemmas"
            + within.replace(" ID ", " article_id ")
        ).bindparams(bindparam("lemmas", expanding=True))
        params = {"lemmas": list(query.phrases[0][0])}
    elif postgres:
        counting = text(
            "SELECT count(*) FROM search_documents WHERE document @@ CAST(:tsquery AS tsquery)"
            + within.replace(" ID ", " article_id ")
        )
        params = {"tsquery": query.tsquery()}
    else:
        counting = text(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :match"
            + within.replace(" ID ", " +rowid ")
        )
        params = {"match": _fts5_params(session, query)["match"]}
    found = session.execute(_typed(counting, filter_params), {**params, **filter_params})
    return int(found.scalar() or 0)


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


def snippet(text_: str, query: Query, width: int = 24, mark: tuple[str, str] = ("", "")) -> str:
    """A few words around the first match, with the matching words marked."""
    tokens = list(re.finditer(r"\S+", text_))
    if not tokens:
        return ""
    wanted = query.lemmas
    first = next(
        (index for index, token in enumerate(tokens) if _shares_a_lemma(token.group(), wanted)), 0
    )
    start = max(0, first - width // 3)
    chosen = tokens[start : start + width]
    parts = [
        f"{mark[0]}{token.group()}{mark[1]}"
        if _shares_a_lemma(token.group(), wanted)
        else token.group()
        for token in chosen
    ]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(tokens) else ""
    return prefix + " ".join(parts) + suffix


def _shares_a_lemma(token: str, wanted: set[str]) -> bool:
    return not wanted.isdisjoint(_token_lemmas(token))


@lru_cache(maxsize=CACHE_SIZE)
def _token_lemmas(token: str) -> frozenset[str]:
    """The lemmas of the words of a whitespace-separated token of text (`«Зеленстрой»,`)."""
    return frozenset(lemma for word in words(token) for lemma in lemmas(word))

"""Russian full-text search over titles and bodies, the same on SQLite (FTS5) and PostgreSQL.

Words are normalised (lower case, ё → е) and reduced to their stems by the Snowball Russian
stemmer, the algorithm of PostgreSQL's own `russian` configuration, here in Python, so that
both backends index exactly the same terms: an FTS5 table on SQLite, a tsvector with a GIN
index on PostgreSQL (`simple` configuration over the stems). A query is a list of words and
"quoted phrases"; every one must match. The query text never reaches SQL: only stems made of
letters and digits do, and always as a bound parameter.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import snowballstemmer
from sqlalchemy import Float, bindparam, select, text
from sqlalchemy.orm import Session

from archive.models import Article

WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
OPERATOR_RE = re.compile(r"[*()^:+|&!<>{}\[\]~=\\/]|(?:^|\s)-")
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "NEAR"})
TITLE_WEIGHT = 10.0


class QueryError(ValueError):
    """A query that cannot be searched; the message says how to fix it."""


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


def normalize(text: str) -> str:
    """Lower case, with ё and е the same letter."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of a text, normalised."""
    return WORD_RE.findall(normalize(text))


def stem_all(tokens: list[str]) -> list[str]:
    return _stemmer().stemWords(tokens)


def terms(text: str) -> str:
    """The indexed form of a text: its stems, in order, separated by spaces."""
    return " ".join(stem_all(words(text)))


@dataclass(frozen=True)
class Query:
    """A parsed query: phrases of stems (a single word is a phrase of one)."""

    text: str
    phrases: tuple[tuple[str, ...], ...]

    @property
    def stems(self) -> set[str]:
        return {stem for phrase in self.phrases for stem in phrase}

    def fts5(self, columns: str = "title body") -> str:
        """The FTS5 MATCH expression."""
        joined = " AND ".join('"' + " ".join(phrase) + '"' for phrase in self.phrases)
        return f"{{{columns}}} : ({joined})"

    def tsquery(self) -> str:
        """The PostgreSQL to_tsquery('simple', ...) expression."""
        return " & ".join("(" + " <-> ".join(phrase) + ")" for phrase in self.phrases)


def parse_query(query: str) -> Query:
    """Parse words and "quoted phrases", or raise QueryError saying what is wrong."""
    if not query.strip():
        raise QueryError("empty query: give one or more words")
    if query.count('"') % 2:
        raise QueryError('unbalanced quote: close the phrase with another "')
    phrases = []
    for index, part in enumerate(query.split('"')):
        quoted = index % 2 == 1
        if not quoted:
            check_operators(part)
        tokens = words(part)
        if quoted and not tokens:
            raise QueryError('empty phrase: put words between the quotes, e.g. "улица Ленина"')
        stems = stem_all(tokens)
        if quoted:
            phrases.append(tuple(stems))
        else:
            phrases.extend((stem,) for stem in stems)
    if not phrases:
        raise QueryError("no words to search for: give letters or digits")
    return Query(query, tuple(dict.fromkeys(phrases)))


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


def index_article(session: Session, article: Article) -> None:
    """Put an article's current title and text into the search index."""
    index_document(session, article.id, article.title, article.body_text)


def index_document(
    session: Session, article_id: int, title_text: str | None, body_text: str | None
) -> None:
    """Index one article's title and text under its id, replacing what was indexed before."""
    title, body = terms(title_text or ""), terms(body_text or "")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "INSERT INTO search_documents (article_id, title_document, document) VALUES "
                "(:id, to_tsvector('simple', :title), setweight(to_tsvector('simple', :title), 'A')"
                " || setweight(to_tsvector('simple', :body), 'B')) ON CONFLICT (article_id) DO "
                "UPDATE SET title_document = excluded.title_document, document = excluded.document"
            ),
            {"id": article_id, "title": title, "body": body},
        )
    else:
        session.execute(text("DELETE FROM articles_fts WHERE rowid = :id"), {"id": article_id})
        session.execute(
            text(
                "INSERT INTO articles_fts (rowid, title, body, words) "
                "VALUES (:id, :title, :body, :words)"
            ),
            {
                "id": article_id,
                "title": title,
                "body": body,
                "words": " ".join(words(f"{title_text or ''} {body_text or ''}")),
            },
        )


def reindex(session: Session) -> int:
    """Rebuild the whole search index from the articles; return how many were indexed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DELETE FROM search_documents"))
    else:
        session.execute(text("DELETE FROM articles_fts"))
    rows = session.execute(select(Article.id, Article.title, Article.body_text)).all()
    for article_id, title, body_text in rows:
        index_document(session, article_id, title, body_text)
    return len(rows)


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
    """Articles matching every word and phrase: title matches first, then by relevance."""
    # Without filters, only the best `limit` matches need joining to their articles.
    top = "" if filters != Filters() else " ORDER BY title_match DESC, score DESC LIMIT :limit"
    if session.get_bind().dialect.name == "postgresql":
        matches = _postgres_matches(top)
    else:
        matches = _sqlite_matches(top)
    stmt = (
        select(Article, matches.c.score, matches.c.title_match)
        .join(matches, matches.c.article_id == Article.id)
        .order_by(
            matches.c.title_match.desc(),
            matches.c.score.desc(),
            Article.published_at.desc(),
            Article.id,
        )
        .limit(limit)
    )
    if filters.section:
        stmt = stmt.where(Article.section == filters.section)
    if filters.since:
        stmt = stmt.where(Article.published_at >= filters.since)
    if filters.until:
        stmt = stmt.where(Article.published_at < filters.until)
    if filters.min_views is not None:
        stmt = stmt.where(Article.views >= filters.min_views)
    params = {
        "match": query.fts5(),
        "title_match": query.fts5("title"),
        "tsquery": query.tsquery(),
        "limit": limit,
    }
    rows = session.execute(stmt, params)
    return [Hit(article, float(score), bool(title_match)) for article, score, title_match in rows]


def _sqlite_matches(top: str):  # type: ignore[no-untyped-def]
    return (
        text(
            "SELECT rowid AS article_id, -bm25(articles_fts, :title_weight, 1.0, 0.0) AS score, "
            "rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :title_match) "
            "AS title_match FROM articles_fts WHERE articles_fts MATCH :match" + top
        )
        .bindparams(bindparam("title_weight", TITLE_WEIGHT))
        .columns(article_id=Article.id.type, score=Float, title_match=Article.id.type)
        .subquery("matches")
    )


def _postgres_matches(top: str):  # type: ignore[no-untyped-def]
    return (
        text(
            "SELECT article_id, ts_rank('{0.1, 0.2, 0.4, 1.0}', document, "
            "to_tsquery('simple', :tsquery)) AS score, "
            "title_document @@ to_tsquery('simple', :tsquery) AS title_match "
            "FROM search_documents WHERE document @@ to_tsquery('simple', :tsquery)" + top
        )
        .columns(article_id=Article.id.type, score=Float, title_match=Article.id.type)
        .subquery("matches")
    )


def snippet(text_: str, query: Query, width: int = 24, mark: tuple[str, str] = ("", "")) -> str:
    """A few words around the first match, with the matching words marked."""
    tokens = list(re.finditer(r"\S+", text_))
    stems = query.stems
    matched = [
        index
        for index, token in enumerate(tokens)
        if any(stem in stems for stem in stem_all(words(token.group())))
    ]
    if not tokens:
        return ""
    first = matched[0] if matched else 0
    start = max(0, first - width // 3)
    chosen = tokens[start : start + width]
    marked = set(matched)
    parts = [
        f"{mark[0]}{token.group()}{mark[1]}" if start + offset in marked else token.group()
        for offset, token in enumerate(chosen)
    ]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(tokens) else ""
    return prefix + " ".join(parts) + suffix

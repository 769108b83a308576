"""The search index: an article's index values, written to both backends' index tables and
postings; the text of each page, sheet or member of a stored document, indexed the same way
beside them; and the whole index rebuilt when the analysis it was built with changes."""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from archive.models import Article, DocumentPart
from archive.search.lemmas import analysis_version, lemma_token, lemmas, words
from archive.search.postings import add_postings, lemma_weights, replace_postings

BATCH = 500
SQLITE_INSERT = (
    "INSERT INTO articles_fts (rowid, title, body, words) VALUES (:id, :title, :body, :words)"
)
POSTGRES_INSERT = (
    "INSERT INTO search_documents (article_id, title_document, document) "
    "VALUES (:id, CAST(:title AS tsvector), CAST(:document AS tsvector))"
)
SQLITE_PART_INSERT = (
    "INSERT INTO document_parts_fts (rowid, body, words) VALUES (:entry, :body, :words)"
)
PART_INSERT = (
    "INSERT INTO search_document_parts (entry, part_id, sha256) VALUES (:entry, :part_id, :sha256)"
)
POSTGRES_PART_INSERT = (
    "INSERT INTO search_document_parts (entry, part_id, sha256, document) "
    "VALUES (:entry, :part_id, :sha256, CAST(:document AS tsvector))"
)
# A document part (a sheet can hold a million words) is indexed in chunks of this many words:
# a tsvector holds at most 1 MB and positions up to 16,383. Each chunk repeats the last words
# of the one before, so that a phrase across the boundary matches. An entry's id is its part's
# id times MAX_CHUNKS plus its number; words beyond MAX_CHUNKS chunks are not indexed.
CHUNK_WORDS = 2000
CHUNK_OVERLAP = 16
MAX_CHUNKS = 1024


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


def index_file_text(session: Session, sha256: str) -> None:
    """Put the text a stored file's parts hold now into the search index, in place of what
    the index held for the file (its parts as an earlier extraction read them)."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(
            text(
                "DELETE FROM document_parts_fts WHERE rowid IN "
                "(SELECT entry FROM search_document_parts WHERE sha256 = :sha256)"
            ),
            {"sha256": sha256},
        )
    session.execute(
        text("DELETE FROM search_document_parts WHERE sha256 = :sha256"), {"sha256": sha256}
    )
    parts = session.execute(
        select(DocumentPart.id, DocumentPart.sha256, DocumentPart.text).where(
            DocumentPart.sha256 == sha256
        )
    )
    write_part_index(session, list(parts))


def chunks(part_text: str) -> list[list[str]]:
    """A part's words in the chunks it is indexed in (none when it has no words)."""
    found = words(part_text)
    if len(found) <= CHUNK_WORDS:
        return [found] if found else []
    starts = range(0, len(found) - CHUNK_OVERLAP, CHUNK_WORDS - CHUNK_OVERLAP)
    return [found[start : start + CHUNK_WORDS] for start in starts][:MAX_CHUNKS]


def write_part_index(session: Session, parts: Iterable[tuple[int, str, str]]) -> None:
    """Index document parts not indexed yet: (part id, its file's sha256, its text)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    entries: list[dict[str, Any]] = [
        {"entry": part_id * MAX_CHUNKS + number, "part_id": part_id, "sha256": sha256}
        | _chunk_values(chunk, postgres)
        for part_id, sha256, part_text in parts
        for number, chunk in enumerate(chunks(part_text))
    ]
    if not entries:
        return
    if postgres:
        session.execute(text(POSTGRES_PART_INSERT), entries)
        return
    session.execute(text(PART_INSERT), entries)
    session.execute(text(SQLITE_PART_INSERT), entries)
    _add_to_lexicon(session, {term for entry in entries for term in entry["body"].split()})


def _chunk_values(chunk: list[str], postgres: bool) -> dict[str, str]:
    """A chunk's index values on the backend: its tsvector, or its FTS5 terms and words."""
    if postgres:
        return {"document": _tsvector([(chunk, 1, "B")])}
    return {"body": " ".join(lemma_token(word) for word in chunk), "words": " ".join(chunk)}


def reindex(session: Session) -> int:
    """Rebuild the whole search index from the articles and the documents' text; return how
    many articles were indexed."""
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(text("DELETE FROM search_document_parts"))
    if postgres:
        session.execute(text("DELETE FROM search_documents"))
    else:
        session.execute(text("DELETE FROM articles_fts"))
        session.execute(text("DELETE FROM document_parts_fts"))
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
    reindex_document_parts(session)
    session.execute(
        text("UPDATE search_index_state SET analysis = :analysis"), {"analysis": analysis_version()}
    )
    return count


def reindex_document_parts(session: Session) -> int:
    """Index the text of every stored document part (none indexed yet); return how many."""
    count = 0
    rows = session.execute(
        select(DocumentPart.id, DocumentPart.sha256, DocumentPart.text)
        .order_by(DocumentPart.id)
        .execution_options(yield_per=BATCH)
    )
    for batch in _batches(rows):
        write_part_index(session, batch)
        count += len(batch)
    return count


def indexed_parts(session: Session) -> int:
    """How many document parts (pages, sheets, members) the index holds."""
    found = session.execute(text("SELECT count(DISTINCT part_id) FROM search_document_parts"))
    return int(found.scalar() or 0)


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

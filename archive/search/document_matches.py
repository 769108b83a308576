"""Articles found by the text of the documents they link: every word and phrase of a query in
one page, sheet or ZIP member of the version a document URL serves (or served last, when the
site removed it), the best such part per article, ranked by relevance."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Integer, TextualSelect, select, text, tuple_
from sqlalchemy.orm import Session

from archive.models import ArticleDocument, Document, DocumentPart
from archive.search.index import MAX_CHUNKS

# The parts matching a query, with their relevance (a long part's chunks each, see
# `archive.search.index.chunks`); bound parameters only.
SQLITE_PART_MATCHES = (
    f"SELECT rowid / {MAX_CHUNKS} AS part_id, -bm25(document_parts_fts, 1.0, 0.0) AS score "
    "FROM document_parts_fts WHERE document_parts_fts MATCH :document_match"
)
POSTGRES_PART_MATCHES = (
    "SELECT part_id, ts_rank('{0.1, 0.2, 0.4, 1.0}', document, CAST(:tsquery AS tsquery)) "
    "AS score FROM search_document_parts WHERE document @@ CAST(:tsquery AS tsquery)"
)
# The same parts unranked, for counting (FTS5 allows bm25 in no aggregate).
SQLITE_MATCHING_PARTS = (
    f"SELECT rowid / {MAX_CHUNKS} AS part_id FROM document_parts_fts "
    "WHERE document_parts_fts MATCH :document_match"
)
POSTGRES_MATCHING_PARTS = (
    "SELECT part_id FROM search_document_parts WHERE document @@ CAST(:tsquery AS tsquery)"
)


@dataclass(frozen=True)
class DocumentMatch:
    """The document part an article was found by: the link, and the page, sheet or member."""

    url: str
    title: str  # the link's text on the article's page
    page: int | None
    sheet: str | None
    member: str | None
    text: str  # the part's text, for the snippet
    removed_at: datetime | None  # when the site stopped serving the document, or None


def linked_matches(postgres: bool, within: str) -> str:
    """(article_id, score, part_id, document_id, position) of every part matching the query
    in a document an article links (`within`: ' AND ID IN (…)' restricting the articles)."""
    parts = POSTGRES_PART_MATCHES if postgres else SQLITE_PART_MATCHES
    return (
        "SELECT ad.article_id AS article_id, m.score AS score, m.part_id AS part_id, "
        "ad.document_id AS document_id, p.position AS position" + _linked(parts, within)
    )


def _linked(parts: str, within: str) -> str:
    """' FROM' the matching parts joined to the articles linking their documents' URLs."""
    return (
        f" FROM ({parts}) AS m "
        "JOIN document_parts p ON p.id = m.part_id "
        "JOIN documents d ON d.sha256 = p.sha256 "
        "JOIN article_documents ad ON ad.document_id = d.id "
        "WHERE 1 = 1" + within.replace(" ID ", " +ad.article_id ")
    )


def best_part_per_article(postgres: bool, within: str) -> TextualSelect:
    """(article_id, score, part_id, document_id): each matching article's best part (ties:
    the first document linked, then the first page)."""
    return text(
        "SELECT article_id, score, part_id, document_id FROM ("
        "SELECT article_id, score, part_id, document_id, row_number() OVER ("
        "PARTITION BY article_id ORDER BY score DESC, document_id, position) AS nth "
        f"FROM ({linked_matches(postgres, within)}) AS linked) AS ranked WHERE nth = 1"
    ).columns(article_id=Integer, score=Float, part_id=Integer, document_id=Integer)


def matched_article_ids(postgres: bool, within: str) -> str:
    """The ids of the articles found by their documents (for counting)."""
    parts = POSTGRES_MATCHING_PARTS if postgres else SQLITE_MATCHING_PARTS
    return "SELECT ad.article_id" + _linked(parts, within)


def document_matches(
    session: Session, rows: list[tuple[int, int, int]]
) -> dict[tuple[int, int], DocumentMatch]:
    """What matched, by (article id, part id), for rows of (article id, part id, document id)."""
    if not rows:
        return {}
    parts = {
        part.id: part
        for part in session.scalars(
            select(DocumentPart).where(DocumentPart.id.in_({part for _, part, _ in rows}))
        )
    }
    links = {
        (article_id, document_id): (title, url, removed_at)
        for article_id, document_id, title, url, removed_at in session.execute(
            select(
                ArticleDocument.article_id,
                ArticleDocument.document_id,
                ArticleDocument.title,
                Document.url,
                Document.removed_at,
            )
            .join(Document, Document.id == ArticleDocument.document_id)
            .where(
                tuple_(ArticleDocument.article_id, ArticleDocument.document_id).in_(
                    [(article_id, document_id) for article_id, _, document_id in rows]
                )
            )
        )
    }
    found = {}
    for article_id, part_id, document_id in rows:
        title, url, removed_at = links[(article_id, document_id)]
        part = parts[part_id]
        found[(article_id, part_id)] = DocumentMatch(
            url, title, part.page, part.sheet, part.member, part.text, removed_at
        )
    return found

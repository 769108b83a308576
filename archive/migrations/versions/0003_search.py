"""search index: FTS5 on SQLite, tsvector with GIN on PostgreSQL

Revision ID: 0003
Revises: 0002

Self-contained: the text analysis below is a frozen copy of what the search index held at this
revision (lower case, ё → е, Snowball Russian stems), so the migration means the same however
archive/search.py changes later. A later revision that changes the analysis rebuilds the index.
"""

import re
from collections.abc import Sequence

import snowballstemmer
import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
BATCH = 500


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE search_documents ("
            " article_id INTEGER PRIMARY KEY"
            " CONSTRAINT fk_search_documents_article_id_articles REFERENCES articles (id),"
            " title_document TSVECTOR NOT NULL, document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_search_documents_document ON search_documents USING GIN (document)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5("
            "title, body, words, tokenize = 'unicode61 remove_diacritics 0')"
        )
    _index_existing_articles()


def _words(text: str) -> list[str]:
    """The words of a text, lower case, with ё and е the same letter."""
    return WORD_RE.findall(text.lower().replace("ё", "е"))


def _index_existing_articles() -> None:
    """Index every article already archived, in batches of BATCH by id."""
    connection = op.get_bind()
    stemmer = snowballstemmer.stemmer("russian")
    postgres = connection.dialect.name == "postgresql"
    insert = sa.text(
        "INSERT INTO search_documents (article_id, title_document, document) VALUES "
        "(:id, to_tsvector('simple', :title), setweight(to_tsvector('simple', :title), 'A')"
        " || setweight(to_tsvector('simple', :body), 'B'))"
        if postgres
        else "INSERT INTO articles_fts (rowid, title, body, words) "
        "VALUES (:id, :title, :body, :words)"
    )
    select = sa.text(
        "SELECT id, title, body_text FROM articles WHERE id > :after ORDER BY id LIMIT :batch"
    )
    after = 0
    while rows := connection.execute(select, {"after": after, "batch": BATCH}).all():
        connection.execute(
            insert,
            [
                {
                    "id": article_id,
                    "title": " ".join(stemmer.stemWords(_words(title or ""))),
                    "body": " ".join(stemmer.stemWords(_words(body_text or ""))),
                    "words": " ".join(_words(f"{title or ''} {body_text or ''}")),
                }
                for article_id, title, body_text in rows
            ],
        )
        after = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_documents")
    else:
        op.execute("DROP TABLE articles_fts")

"""search index: FTS5 on SQLite, tsvector with GIN on PostgreSQL

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    # The index is filled by revision 0004's rebuild (a migration imports no application code).


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_documents")
    else:
        op.execute("DROP TABLE articles_fts")

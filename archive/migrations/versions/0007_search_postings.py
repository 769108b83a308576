"""search postings: (lemma, article) rows with a precomputed weight; search filters' index

Revision ID: 0007
Revises: 0006

The table is filled by the archive's upgrade (archive/db.py), in the same transaction: this
revision marks the index stale, as 0004 does, and the rebuild fills the postings with the rest.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE = "none: rebuild"


FILTER_COLUMNS = ["section", "published_at", "views", "id"]


def upgrade() -> None:
    # Search's filters read the articles' ids from this index, never the articles' rows.
    op.create_index("ix_articles_search_filters", "articles", FILTER_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        # Title matches rank first: a query with enough of them ranks only those.
        op.execute(
            "CREATE INDEX ix_search_documents_title_document ON search_documents "
            "USING GIN (title_document)"
        )
        # The key keeps an article's postings together (replaced by article); search reads a
        # lemma's postings best first from the second index and stops at the limit.
        op.execute(
            "CREATE TABLE search_postings (lemma TEXT NOT NULL, article_id INTEGER NOT NULL, "
            "weight DOUBLE PRECISION NOT NULL, PRIMARY KEY (article_id, lemma))"
        )
        op.execute(
            "CREATE INDEX ix_search_postings_lemma_weight ON search_postings "
            "(lemma, weight DESC, article_id)"
        )
    else:
        op.execute(
            "CREATE TABLE search_postings (lemma TEXT NOT NULL, article_id INTEGER NOT NULL, "
            "weight REAL NOT NULL, PRIMARY KEY (lemma, article_id)) WITHOUT ROWID"
        )
    op.execute(f"UPDATE search_index_state SET analysis = '{STALE}'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_documents_title_document")
    op.drop_table("search_postings")
    op.drop_index("ix_articles_search_filters", table_name="articles")

"""document search: the text of every page, sheet or member of the stored documents in the
lemma index, beside the articles'

Revision ID: 0011
Revises: 0010

`search_document_parts` lists the index entries of each part (a long part is indexed in
chunks) with the part's file, so that a file's entries are replaced when its text is read
again; on PostgreSQL it holds each entry's tsvector, on SQLite the FTS5 table
`document_parts_fts` holds its terms under the entry's id. The entries are
written by the archive's upgrade (archive/db.py): this revision marks the index stale, as 0004
and 0007 do, and the rebuild indexes the articles and the documents' text.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE = "none: rebuild"


def upgrade() -> None:
    # A document matches by the version its URL serves: parts are joined to documents by sha256.
    op.create_index("ix_documents_sha256", "documents", ["sha256"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE search_document_parts (entry BIGINT PRIMARY KEY, "
            "part_id INTEGER NOT NULL, sha256 VARCHAR(64) NOT NULL, document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_search_document_parts_document ON search_document_parts "
            "USING GIN (document)"
        )
    else:
        op.execute(
            "CREATE TABLE search_document_parts (entry INTEGER PRIMARY KEY, "
            "part_id INTEGER NOT NULL, sha256 VARCHAR(64) NOT NULL)"
        )
        op.execute(
            "CREATE VIRTUAL TABLE document_parts_fts USING fts5(body, words, "
            "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
        )
    op.execute("CREATE INDEX ix_search_document_parts_sha256 ON search_document_parts (sha256)")
    op.execute(f"UPDATE search_index_state SET analysis = '{STALE}'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE document_parts_fts")
    op.drop_table("search_document_parts")
    op.drop_index("ix_documents_sha256", table_name="documents")

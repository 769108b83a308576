"""search by dictionary lemmas: FTS5 terms of several lemmas, their lexicon, the index's analysis

Revision ID: 0004
Revises: 0003

The index is not rebuilt here (a migration imports no application code, and the analysis is
application code): `search_index_state` records that it was built with no known analysis, and
the archive's upgrade (archive/db.py) rebuilds it, in the same transaction, when it sees that.
Downgrading restores the Snowball-stem index of revision 0003.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE = "none: rebuild"


def upgrade() -> None:
    op.create_table("search_index_state", sa.Column("analysis", sa.Text(), nullable=False))
    op.execute(f"INSERT INTO search_index_state (analysis) VALUES ('{STALE}')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM search_documents")
        return
    op.execute("DROP TABLE articles_fts")
    op.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, words, "
        "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    op.execute(
        "CREATE TABLE search_lemmas (lemma TEXT NOT NULL, token TEXT NOT NULL, "
        "PRIMARY KEY (lemma, token)) WITHOUT ROWID"
    )


def downgrade() -> None:
    op.drop_table("search_index_state")
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_lemmas")
        op.execute("DROP TABLE articles_fts")
        op.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5("
            "title, body, words, tokenize = 'unicode61 remove_diacritics 0')"
        )
    _snowball_index()


# Revision 0003's index, copied here: Snowball Russian stems of the normalised words.


def _snowball_index() -> None:
    import re

    import snowballstemmer

    word_re = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
    stemmer = snowballstemmer.stemmer("russian")
    stems: dict[str, str] = {}

    def words(text: str | None) -> list[str]:
        return word_re.findall((text or "").lower().replace("ё", "е"))

    def terms(text: str | None) -> str:
        found = words(text)
        for word in found:
            if word not in stems:
                stems[word] = stemmer.stemWord(word)
        return " ".join(stems[word] for word in found)

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, title, body_text FROM articles")).all()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("DELETE FROM search_documents"))
        insert = sa.text(
            "INSERT INTO search_documents (article_id, title_document, document) VALUES "
            "(:id, to_tsvector('simple', :title), setweight(to_tsvector('simple', :title), 'A')"
            " || setweight(to_tsvector('simple', :body), 'B'))"
        )
        documents = [
            {"id": id_, "title": terms(title), "body": terms(body)} for id_, title, body in rows
        ]
    else:
        insert = sa.text(
            "INSERT INTO articles_fts (rowid, title, body, words) "
            "VALUES (:id, :title, :body, :words)"
        )
        documents = [
            {
                "id": id_,
                "title": terms(title),
                "body": terms(body),
                "words": " ".join(words(f"{title or ''} {body or ''}")),
            }
            for id_, title, body in rows
        ]
    if documents:
        bind.execute(insert, documents)

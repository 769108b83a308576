"""covering indexes for field coverage: status and the end of a crawl read them, never the
articles' bodies

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERAGE_COLUMNS = [
    "section", "published_at", "published_precision", "views", "updated_at", "last_fetched_at",
]  # fmt: skip
EMPTY_BODY = sa.text("body_text = ''")


def upgrade() -> None:
    op.create_index("ix_articles_coverage", "articles", COVERAGE_COLUMNS)
    op.create_index(
        "ix_articles_empty_body",
        "articles",
        ["section"],
        sqlite_where=EMPTY_BODY,
        postgresql_where=EMPTY_BODY,
    )


def downgrade() -> None:
    op.drop_index("ix_articles_empty_body", table_name="articles")
    op.drop_index("ix_articles_coverage", table_name="articles")

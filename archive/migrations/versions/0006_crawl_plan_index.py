"""covering index for opening a crawl: the plan reads it, never the articles' bodies

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_COLUMNS = ["section", "url", "published_at", "removed_at", "first_seen_at", "listing_date"]


def upgrade() -> None:
    op.create_index("ix_articles_crawl_plan", "articles", PLAN_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_articles_crawl_plan", table_name="articles")

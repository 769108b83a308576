"""history: revisions, removals, raw pages, run health

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:25:07.797959
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_events_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_article_events_crawl_run_id_crawl_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_events")),
    )
    with op.batch_alter_table("article_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_events_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "raw_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fetched_url", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("compression", sa.String(length=8), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_runs.id"], name=op.f("fk_raw_pages_crawl_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_pages")),
    )
    with op.batch_alter_table("raw_pages", schema=None) as batch_op:
        batch_op.create_index("ix_raw_pages_url_fetched_at", ["url", "fetched_at"], unique=False)

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_revisions_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revisions_article_id"), ["article_id"], unique=False)

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listing_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redirected_from", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("ignored", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("articles_removed", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("coverage", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(
            sa.Column("sections_walked", sa.JSON(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.drop_column("ignored")
        batch_op.drop_column("redirected_from")

    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("sections_walked")
        batch_op.drop_column("coverage")
        batch_op.drop_column("articles_removed")

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("listing_date")

    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_article_id"))

    op.drop_table("revisions")
    with op.batch_alter_table("raw_pages", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_pages_url_fetched_at")

    op.drop_table("raw_pages")
    with op.batch_alter_table("article_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_events_article_id"))

    op.drop_table("article_events")

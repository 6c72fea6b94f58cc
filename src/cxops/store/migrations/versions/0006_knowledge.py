"""knowledge base: articles and the chunks retrieval searches

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "kb_chunks",
        sa.Column("id", sa.String(length=140), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_chunks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_chunks_article_id"), ["article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_chunks_article_id"))
    op.drop_table("kb_chunks")
    op.drop_table("kb_articles")

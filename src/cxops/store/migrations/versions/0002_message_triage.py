"""message triage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:30:28.717200
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
        "message_triage",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("intent_confidence", sa.Float(), nullable=False),
        sa.Column("out_of_scope", sa.Boolean(), nullable=False),
        sa.Column("intent_alternatives", sa.JSON(), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("sentiment_label", sa.String(length=16), nullable=False),
        sa.Column("frustration", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("urgency_reasons", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("language_confidence", sa.Float(), nullable=False),
        sa.Column("sensitive_topics", sa.JSON(), nullable=False),
        sa.Column("pii", sa.JSON(), nullable=False),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_message_triage_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_triage_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_triage")),
    )
    with op.batch_alter_table("message_triage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_triage_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_message_triage_intent"), ["intent"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_triage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_triage_intent"))
        batch_op.drop_index(batch_op.f("ix_message_triage_conversation_id"))

    op.drop_table("message_triage")

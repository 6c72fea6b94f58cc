"""quality and measurement: contact facts, QA results and reviews, surveys, triage labels, alerts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 18:14:06.781818
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=120), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_events_key"), ["key"], unique=False)

    op.create_table(
        "monitor_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_monitor_state")),
    )
    op.create_table(
        "contact_facts",
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("queue_id", sa.String(length=40), nullable=True),
        sa.Column("agent_id", sa.String(length=40), nullable=True),
        sa.Column("segment", sa.String(length=16), nullable=True),
        sa.Column("variant", sa.String(length=120), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("bot_started", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("escalation_reasked", sa.Boolean(), nullable=False),
        sa.Column("agent_handled", sa.Boolean(), nullable=False),
        sa.Column("contained", sa.Boolean(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("handle_seconds", sa.Float(), nullable=False),
        sa.Column("customer_turns", sa.Integer(), nullable=False),
        sa.Column("bot_turns", sa.Integer(), nullable=False),
        sa.Column("agent_turns", sa.Integer(), nullable=False),
        sa.Column("suggestions_shown", sa.Integer(), nullable=False),
        sa.Column("suggestions_with_feedback", sa.Integer(), nullable=False),
        sa.Column("suggestions_used", sa.Integer(), nullable=False),
        sa.Column("generative_drafts", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("repeated", sa.Boolean(), nullable=False),
        sa.Column("repeat_of", sa.String(length=40), nullable=True),
        *(sa.Column(f"latency_b{i}", sa.Integer(), nullable=False) for i in range(13)),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_contact_facts_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_contact_facts")),
    )
    with op.batch_alter_table("contact_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_facts_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contact_facts_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "qa_results",
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("scorecard_version", sa.String(length=120), nullable=False),
        sa.Column("handled_by", sa.String(length=8), nullable=False),
        sa.Column("agent_id", sa.String(length=40), nullable=True),
        sa.Column("queue_id", sa.String(length=40), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("auto_failed", sa.Boolean(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_qa_results_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_qa_results")),
    )
    with op.batch_alter_table("qa_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_results_scored_at"), ["scored_at"], unique=False)

    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("disputes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_qa_reviews_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_reviews")),
    )
    with op.batch_alter_table("qa_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qa_reviews_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "surveys",
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_surveys_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_surveys")),
    )
    op.create_table(
        "triage_labels",
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("labelled_by", sa.String(length=120), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_triage_labels_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_triage_labels")),
    )
    with op.batch_alter_table("triage_labels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_triage_labels_labelled_at"), ["labelled_at"], unique=False
        )
    op.create_table(
        "assist_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("fallbacks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_requests")),
    )
    with op.batch_alter_table("assist_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assist_requests_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assist_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assist_requests_at"))
    op.drop_table("assist_requests")
    with op.batch_alter_table("triage_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_labels_labelled_at"))

    op.drop_table("triage_labels")
    op.drop_table("surveys")
    with op.batch_alter_table("qa_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_reviews_conversation_id"))

    op.drop_table("qa_reviews")
    with op.batch_alter_table("qa_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_results_scored_at"))

    op.drop_table("qa_results")
    with op.batch_alter_table("contact_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_facts_customer_id"))
        batch_op.drop_index(batch_op.f("ix_contact_facts_closed_at"))

    op.drop_table("contact_facts")
    op.drop_table("monitor_state")
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_events_key"))
        batch_op.drop_index(batch_op.f("ix_alert_events_at"))

    op.drop_table("alert_events")

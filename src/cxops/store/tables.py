"""The schema of the system of record. Alembic migrations are checked against this metadata."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from cxops.store.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(40)

customers = Table(
    "customers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("phone", String(32), nullable=False, index=True),
    Column("segment", String(16), nullable=False),
    Column("preferred_language", String(8), nullable=False),
    Column("consent_marketing_email", Boolean, nullable=False),
    Column("consent_marketing_sms", Boolean, nullable=False),
    Column("consent_analytics", Boolean, nullable=False),
    Column("address", JSON, nullable=False),
    Column("loyalty_points", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(64), nullable=False, index=True),
    Column("price_cents", Integer, nullable=False),
    Column("warranty_months", Integer, nullable=False),
    Column("return_window_days", Integer, nullable=False),
    Column("in_stock", Boolean, nullable=False),
)

promotions = Table(
    "promotions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Integer, nullable=False),
    Column("min_spend_cents", Integer, nullable=False),
    Column("segment", String(16)),
    Column("category", String(64)),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("first_order_only", Boolean, nullable=False, server_default=false()),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Column("currency", String(3), nullable=False),
    Column("subtotal_cents", Integer, nullable=False),
    Column("shipping_cents", Integer, nullable=False),
    Column("discount_cents", Integer, nullable=False),
    Column("tax_cents", Integer, nullable=False),
    Column("payment_method", String(16), nullable=False),
    Column("promotion_code", String(40)),
    Column("shipping_address", JSON, nullable=False),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("line", Integer, nullable=False),
    Column("product_id", ID, ForeignKey("products.id"), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("category", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("warranty_months", Integer, nullable=False),
    Column("return_window_days", Integer, nullable=False),
    UniqueConstraint("order_id", "line"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("eta", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    Column("last_event", Text, nullable=False),
)

returns = Table(
    "returns",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("items", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("label_reference", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("return_id", ID, ForeignKey("returns.id")),
    Column("amount_cents", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

operations = Table(
    "operations",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("result_id", ID, nullable=False),
)

queues = Table(
    "queues",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("skill", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("sla_seconds", Integer, nullable=False),
    Column("sla_target_percent", Integer, nullable=False),
    Column("vip_only", Boolean, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("password_hash", String(255)),
    Column("created_at", UtcDateTime, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("languages", JSON, nullable=False),
    Column("max_concurrent", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("user_id", ID, ForeignKey("users.id")),
)

agent_skills = Table(
    "agent_skills",
    metadata,
    Column("agent_id", ID, ForeignKey("agents.id"), primary_key=True),
    Column("skill", String(64), primary_key=True),
    Column("proficiency", Integer, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("user_id", ID, ForeignKey("users.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("channel", String(8), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("customer_id", ID, ForeignKey("customers.id"), index=True),
    Column("subject", Text, nullable=False),
    Column("external_ref", String(255)),
    Column("idempotency_key", String(255), unique=True),
    Column("queue_id", ID, ForeignKey("queues.id")),
    Column("assigned_agent_id", ID, ForeignKey("agents.id"), index=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("outcome", String(16)),
    Column("csat", Integer),
    Column("priority", Integer),
    Column("queued_at", UtcDateTime),
    Column("assigned_at", UtcDateTime),
    Index("ix_conversations_queue_status", "queue_id", "status"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("idempotency_key", String(255)),
    Column("request_hash", String(64)),
    Column("in_reply_to", ID),
    UniqueConstraint("conversation_id", "idempotency_key"),
    Index("ix_messages_conversation_created", "conversation_id", "created_at"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("message_id", ID, ForeignKey("messages.id")),
    Column("kind", String(64), nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("queue_id", ID),
    Column("priority", Integer),
    Column("agent_id", ID),
)

policies = Table(
    "policies",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("activated_at", UtcDateTime),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("decision_id", ID, ForeignKey("decisions.id"), nullable=False),
    Column("queue_id", ID, ForeignKey("queues.id"), nullable=False),
    Column("agent_id", ID, ForeignKey("agents.id")),
    Column("packet", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

message_triage = Table(
    "message_triage",
    metadata,
    Column("message_id", ID, ForeignKey("messages.id"), primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("intent", String(64), nullable=False, index=True),
    Column("intent_confidence", Float, nullable=False),
    Column("out_of_scope", Boolean, nullable=False),
    Column("intent_alternatives", JSON, nullable=False),
    Column("sentiment_score", Float, nullable=False),
    Column("sentiment_label", String(16), nullable=False),
    Column("frustration", JSON, nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("urgency_reasons", JSON, nullable=False),
    Column("language", String(8), nullable=False),
    Column("language_confidence", Float, nullable=False),
    Column("sensitive_topics", JSON, nullable=False),
    Column("pii", JSON, nullable=False),
    Column("model_versions", JSON, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("topics", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deactivated_at", UtcDateTime),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column(
        "subscription_id",
        ID,
        ForeignKey("webhook_subscriptions.id"),
        nullable=False,
        index=True,
    ),
    Column("event_id", ID, nullable=False, index=True),
    Column("topic", String(128), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("lease_token", String(40)),
    Column("last_error", Text),
    Column("last_status_code", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    UniqueConstraint("subscription_id", "event_id"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

dialogues = Table(
    "dialogues",
    metadata,
    Column("conversation_id", ID, ForeignKey("conversations.id"), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

bot_actions = Table(
    "bot_actions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("order_id", String(64), nullable=False, index=True),
    Column("params", JSON, nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("needs_approval", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("preview", JSON, nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_by", ID),
    Column("decided_at", UtcDateTime),
    Column("note", Text, nullable=False),
)

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("intents", JSON, nullable=False),
    Column("language", String(8), nullable=False),
    Column("source", String(16), nullable=False),
    Column("origin", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

kb_chunks = Table(
    "kb_chunks",
    metadata,
    Column("id", String(140), primary_key=True),
    Column("article_id", String(120), ForeignKey("kb_articles.id"), nullable=False, index=True),
    Column("ordinal", Integer, nullable=False),
    Column("heading", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("intents", JSON, nullable=False),
    Column("title", String(300), nullable=False),
)

kb_macros = Table(
    "kb_macros",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("intents", JSON, nullable=False),
    Column("language", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("requires", JSON, nullable=False),
    Column("origin", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

suggestions = Table(
    "suggestions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("message_id", ID),
    Column("rank", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("source_id", String(140), nullable=False),
    Column("intent", String(64), nullable=False, index=True),
    Column("score", Float, nullable=False),
    Column("rationale", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

suggestion_feedback = Table(
    "suggestion_feedback",
    metadata,
    Column("suggestion_id", ID, ForeignKey("suggestions.id"), primary_key=True),
    Column("action", String(16), nullable=False),
    Column("final_text", Text),
    Column("edit_distance", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("given_by", ID, nullable=False),
    Column("given_at", UtcDateTime, nullable=False),
)

LATENCY_BUCKETS = 13
"""Columns of a contact's AI-latency histogram (`analytics.kpis.BUCKETS_MS`), pre-aggregated at
close so KPI queries never join the per-message triage rows."""

contact_facts = Table(
    "contact_facts",
    metadata,
    Column("conversation_id", ID, ForeignKey("conversations.id"), primary_key=True),
    Column("customer_id", ID, index=True),
    Column("channel", String(16), nullable=False),
    Column("intent", String(64)),
    Column("queue_id", ID),
    Column("agent_id", ID),
    Column("segment", String(16)),
    Column("variant", String(120)),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    Column("bot_started", Boolean, nullable=False),
    Column("escalated", Boolean, nullable=False),
    Column("escalation_reasked", Boolean, nullable=False),
    Column("agent_handled", Boolean, nullable=False),
    Column("contained", Boolean, nullable=False),
    Column("transfers", Integer, nullable=False),
    Column("handle_seconds", Float, nullable=False),
    Column("customer_turns", Integer, nullable=False),
    Column("bot_turns", Integer, nullable=False),
    Column("agent_turns", Integer, nullable=False),
    Column("suggestions_shown", Integer, nullable=False),
    Column("suggestions_with_feedback", Integer, nullable=False),
    Column("suggestions_used", Integer, nullable=False),
    Column("generative_drafts", Integer, nullable=False),
    Column("csat", Integer),
    Column("repeated", Boolean, nullable=False),
    Column("repeat_of", ID),
    *(Column(f"latency_b{i}", Integer, nullable=False) for i in range(LATENCY_BUCKETS)),
)

qa_results = Table(
    "qa_results",
    metadata,
    Column("conversation_id", ID, ForeignKey("conversations.id"), primary_key=True),
    Column("scorecard_version", String(120), nullable=False),
    Column("handled_by", String(8), nullable=False),
    Column("agent_id", ID),
    Column("queue_id", ID),
    Column("score", Float),
    Column("auto_failed", Boolean, nullable=False),
    Column("results", JSON, nullable=False),
    Column("scored_at", UtcDateTime, nullable=False, index=True),
)

qa_reviews = Table(
    "qa_reviews",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, ForeignKey("conversations.id"), nullable=False, index=True),
    Column("reviewer", String(120), nullable=False),
    Column("verdicts", JSON, nullable=False),
    Column("disputes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

surveys = Table(
    "surveys",
    metadata,
    Column("conversation_id", ID, ForeignKey("conversations.id"), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("answered_at", UtcDateTime, nullable=False),
)

triage_labels = Table(
    "triage_labels",
    metadata,
    Column("message_id", ID, ForeignKey("messages.id"), primary_key=True),
    Column("intent", String(64), nullable=False),
    Column("labelled_by", String(120), nullable=False),
    Column("labelled_at", UtcDateTime, nullable=False, index=True),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("key", String(300), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("rule_id", String(120), nullable=False),
    Column("name", String(300), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("metric", String(120), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("value", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("since", UtcDateTime),
)

monitor_state = Table(
    "monitor_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

assist_requests = Table(
    "assist_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("latency_ms", Float, nullable=False),
    Column("fallbacks", JSON, nullable=False),
)

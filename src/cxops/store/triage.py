"""The triage stored with each customer message."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from cxops.domain.ids import ConversationId, CustomerId, MessageId
from cxops.domain.triage import (
    IntentPrediction,
    IntentScore,
    Language,
    PiiSpan,
    PiiType,
    SensitiveCategory,
    SensitiveTopic,
    Sentiment,
    SentimentLabel,
    Triage,
    Urgency,
    UrgencyLevel,
)
from cxops.store.tables import conversations, message_triage, messages


def _row(
    message_id: MessageId, conversation_id: ConversationId, triage: Triage, at: datetime
) -> dict[str, Any]:
    t = triage
    return {
        "message_id": message_id,
        "conversation_id": conversation_id,
        "intent": t.intent.name,
        "intent_confidence": t.intent.confidence,
        "out_of_scope": t.intent.out_of_scope,
        "intent_alternatives": [
            {"name": a.name, "confidence": a.confidence} for a in t.intent.alternatives
        ],
        "sentiment_score": t.sentiment.score,
        "sentiment_label": t.sentiment.label.value,
        "frustration": list(t.sentiment.frustration),
        "urgency": t.urgency.level.value,
        "urgency_reasons": list(t.urgency.reasons),
        "language": t.language.code,
        "language_confidence": t.language.confidence,
        "sensitive_topics": [
            {
                "category": s.category.value,
                "topic": s.topic,
                "evidence": s.evidence,
                "start": s.start,
                "end": s.end,
            }
            for s in t.sensitive_topics
        ],
        "pii": [{"type": p.type.value, "start": p.start, "end": p.end} for p in t.pii],
        "model_versions": t.model_versions,
        "latency_ms": t.latency_ms,
        "created_at": at,
    }


def _triage(row: Any, redacted_text: str) -> Triage:
    return Triage(
        intent=IntentPrediction(
            name=row.intent,
            confidence=row.intent_confidence,
            alternatives=tuple(
                IntentScore(name=a["name"], confidence=a["confidence"])
                for a in row.intent_alternatives
            ),
            out_of_scope=row.out_of_scope,
        ),
        sentiment=Sentiment(
            score=row.sentiment_score,
            label=SentimentLabel(row.sentiment_label),
            frustration=tuple(row.frustration),
        ),
        urgency=Urgency(level=UrgencyLevel(row.urgency), reasons=tuple(row.urgency_reasons)),
        language=Language(code=row.language, confidence=row.language_confidence),
        sensitive_topics=tuple(
            SensitiveTopic(
                category=SensitiveCategory(s["category"]),
                topic=s["topic"],
                evidence=s["evidence"],
                start=s["start"],
                end=s["end"],
            )
            for s in row.sensitive_topics
        ),
        pii=tuple(
            PiiSpan(type=PiiType(p["type"]), start=p["start"], end=p["end"]) for p in row.pii
        ),
        redacted_text=redacted_text,
        model_versions=dict(row.model_versions),
        latency_ms=row.latency_ms,
    )


class SqlTriageRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(
        self,
        *,
        message_id: MessageId,
        conversation_id: ConversationId,
        triage: Triage,
        at: datetime,
    ) -> None:
        self._conn.execute(
            insert(message_triage).values(**_row(message_id, conversation_id, triage, at))
        )

    def get(self, message_id: MessageId) -> Triage | None:
        row = self._conn.execute(
            select(message_triage, messages.c.text)
            .join(messages, messages.c.id == message_triage.c.message_id)
            .where(message_triage.c.message_id == message_id)
        ).first()
        return None if row is None else _triage(row, row.text)

    def for_conversation(self, conversation_id: ConversationId) -> dict[MessageId, Triage]:
        """Every stored triage of the conversation by message id, in message order."""
        rows = self._conn.execute(
            select(message_triage, messages.c.text)
            .join(messages, messages.c.id == message_triage.c.message_id)
            .where(message_triage.c.conversation_id == conversation_id)
            .order_by(messages.c.created_at, messages.c.id)
        )
        return {MessageId(r.message_id): _triage(r, r.text) for r in rows}

    def conversations_about(
        self,
        customer_id: CustomerId,
        *,
        intent: str,
        since: datetime,
        excluding: ConversationId,
    ) -> int:
        """How many other conversations of the customer since `since` had a message with this
        intent: the repeat-contact count the routing policy escalates on."""
        query = (
            select(func.count(func.distinct(message_triage.c.conversation_id)))
            .select_from(
                message_triage.join(
                    conversations, conversations.c.id == message_triage.c.conversation_id
                )
            )
            .where(
                conversations.c.customer_id == customer_id,
                conversations.c.created_at >= since,
                conversations.c.id != excluding,
                message_triage.c.intent == intent,
            )
        )
        return int(self._conn.execute(query).scalar_one())

"""One trace per contact: every recorded step of a conversation, in the order it happened.

An auditor asking "why did this customer get this answer?" should not have to join seven
endpoints by hand. `read_contact` reads everything stored about one conversation in the caller's
unit of work (one consistent snapshot); `build_trace` turns those records into `TraceEvent`s, each
pointing at the record it came from by id, with one readable line and its JSON-ready detail.

Contracts:

* Events are sorted by time; events at the same instant follow the order in which one request
  writes them (a customer message, its triage, the routing decision, the handoff, the bot's steps
  and actions, the bot's reply, ...), then the order the records were read in, so the same records
  always give the same trace.
* No personal data beyond what the store already exposes to conversation readers: message text is
  the stored, redacted text; free text people typed outside messages (survey comments, feedback
  reasons, review disputes, approvers' notes in decision reasons) is redacted here the same way;
  the matched evidence of sensitive topics, action parameters (a new street address) and decision
  inputs are left out. The customer appears by id only.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from cxops.domain.assist import Feedback, Suggestion
from cxops.domain.contacts import Survey
from cxops.domain.conversations import Conversation, Message
from cxops.domain.decisions import Decision
from cxops.domain.errors import NotFoundError
from cxops.domain.ids import ConversationId, MessageId, SuggestionId
from cxops.domain.qa import HumanReview, QaResult
from cxops.domain.routing import Handoff
from cxops.domain.selfservice import Action
from cxops.domain.triage import Triage
from cxops.ports import UnitOfWork
from cxops.triage.pii import find_pii, redact

SUMMARY_TEXT_CHARS: Final = 80
"""Message text is cut to this many characters in an event's one-line summary (not its detail)."""

# Where an event goes among events recorded at the same instant: the order one request writes
# them in. "decision:<kind>" and "message:<role>" name the more specific stages.
_STAGES: Final = (
    "opened",
    "message:customer",
    "triage",
    "decision:routing",
    "handoff",
    "decision:assignment",
    "decision",
    "action",
    "message:bot",
    "message",
    "suggestion",
    "feedback",
    "closed",
    "qa",
    "review",
    "survey",
)
_STAGE: Final = {name: index for index, name in enumerate(_STAGES)}


@dataclass(frozen=True, slots=True)
class QaRecord:
    """The conversation's automated QA result, when it was scored, and who handled it."""

    result: QaResult
    scored_at: datetime
    handled_by: str


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """A person's QA review: their verdicts and their disputes of the automated ones."""

    id: str
    review: HumanReview
    disputes: Mapping[str, str]
    at: datetime


@dataclass(frozen=True, slots=True)
class ContactRecords:
    """Everything stored about one conversation, as `read_contact` read it."""

    conversation: Conversation
    messages: Sequence[Message] = ()
    triage: Mapping[MessageId, Triage] = field(default_factory=dict)
    decisions: Sequence[Decision] = ()
    actions: Sequence[Action] = ()
    handoffs: Sequence[Handoff] = ()
    suggestions: Sequence[Suggestion] = ()
    feedback: Mapping[SuggestionId, Feedback] = field(default_factory=dict)
    qa: QaRecord | None = None
    reviews: Sequence[ReviewRecord] = ()
    survey: Survey | None = None


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One step of a contact. `ref` is the id of the record it comes from (a message's id for
    its triage, a suggestion's id for the feedback on it, the conversation's id for opening,
    closing, QA and the survey); `detail` is JSON-ready."""

    at: datetime
    kind: str
    ref: str
    summary: str
    detail: dict[str, Any]


def read_contact(uow: UnitOfWork, conversation_id: ConversationId) -> ContactRecords:
    """Read every record of the conversation through `uow` (one snapshot); raises
    `NotFoundError` for an unknown conversation."""
    conversation = uow.conversations.get(conversation_id)
    if conversation is None:
        raise NotFoundError("conversation", conversation_id)
    scored = uow.quality.result(conversation_id)
    return ContactRecords(
        conversation=conversation,
        messages=uow.messages.list_for_conversation(conversation_id),
        triage=uow.triage.for_conversation(conversation_id),
        decisions=uow.decisions.list_for_conversation(conversation_id),
        actions=uow.actions.for_conversation(conversation_id),
        handoffs=uow.handoffs.for_conversation(conversation_id),
        suggestions=uow.suggestions.for_conversation(conversation_id),
        feedback=uow.suggestions.feedback_for_conversation(conversation_id),
        qa=None if scored is None else QaRecord(*scored),
        reviews=[
            ReviewRecord(*row) for row in uow.quality.reviews(conversation_id=conversation_id)
        ],
        survey=uow.contacts.survey(conversation_id),
    )


def build_trace(records: ContactRecords) -> list[TraceEvent]:
    """Return every step of the contact as an event, in time order (see the module's
    contracts for ties and for what is left out)."""
    staged: list[tuple[str, TraceEvent]] = [("opened", _opened(records.conversation))]
    for message in records.messages:
        staged.append((f"message:{message.role.value}", _message(message)))
        triage = records.triage.get(message.id)
        if triage is not None:
            staged.append(("triage", _triage(message, triage)))
    staged.extend((f"decision:{d.kind}", _decision(d)) for d in records.decisions)
    staged.extend(("action", _action(a)) for a in records.actions)
    staged.extend(("handoff", _handoff(h)) for h in records.handoffs)
    ranks = {s.id: s.rank for s in records.suggestions}
    staged.extend(("suggestion", _suggestion(s)) for s in records.suggestions)
    staged.extend(
        ("feedback", _feedback(f, ranks.get(f.suggestion_id))) for f in records.feedback.values()
    )
    closed = _closed(records.conversation)
    if closed is not None:
        staged.append(("closed", closed))
    if records.qa is not None:
        staged.append(("qa", _qa(records.qa)))
    staged.extend(("review", _review(r)) for r in records.reviews)
    if records.survey is not None:
        staged.append(("survey", _survey(records.survey)))
    staged.sort(key=lambda pair: (pair[1].at, _stage(pair[0])))
    return [event for _, event in staged]


def _stage(name: str) -> int:
    """The stage's place; a decision kind or message role without a stage of its own takes the
    place of decisions or messages in general."""
    if name in _STAGE:
        return _STAGE[name]
    return _STAGE[name.partition(":")[0]]


def _scrub(text: str) -> str:
    """Redact personal data from free text, as stored messages are."""
    return redact(text, find_pii(text))


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SUMMARY_TEXT_CHARS:
        return flat
    return flat[: SUMMARY_TEXT_CHARS - 1].rstrip() + "…"


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _opened(conversation: Conversation) -> TraceEvent:
    return TraceEvent(
        at=conversation.created_at,
        kind="opened",
        ref=conversation.id,
        summary=f"opened on {conversation.channel.value}",
        detail={"channel": conversation.channel.value},
    )


def _message(message: Message) -> TraceEvent:
    return TraceEvent(
        at=message.created_at,
        kind="message",
        ref=message.id,
        summary=f'{message.role.value}: "{_shorten(message.text)}"',
        detail={
            "role": message.role.value,
            "text": message.text,
            "in_reply_to": message.in_reply_to,
        },
    )


def _triage(message: Message, triage: Triage) -> TraceEvent:
    intent = triage.intent
    pii_types = sorted({span.type.value for span in triage.pii})
    topics = [{"category": t.category.value, "topic": t.topic} for t in triage.sensitive_topics]
    parts = [
        f"{intent.name} {intent.confidence:.0%}",
        triage.sentiment.label.value,
        f"urgency {triage.urgency.level.value}",
        triage.language.code,
    ]
    if topics:
        parts.append("sensitive: " + ", ".join(t["topic"] for t in topics))
    if pii_types:
        parts.append("pii: " + ", ".join(pii_types))
    return TraceEvent(
        at=message.created_at,
        kind="triage",
        ref=message.id,
        summary="triage: " + ", ".join(parts),
        detail={
            "intent": {
                "name": intent.name,
                "confidence": round(intent.confidence, 4),
                "out_of_scope": intent.out_of_scope,
            },
            "sentiment": {
                "label": triage.sentiment.label.value,
                "score": round(triage.sentiment.score, 3),
                "frustration": list(triage.sentiment.frustration),
            },
            "urgency": {
                "level": triage.urgency.level.value,
                "reasons": list(triage.urgency.reasons),
            },
            "language": {
                "code": triage.language.code,
                "confidence": round(triage.language.confidence, 4),
            },
            "sensitive_topics": topics,
            "pii_types": pii_types,
            "model_versions": dict(triage.model_versions),
            "latency_ms": round(triage.latency_ms, 3),
        },
    )


def _decision(decision: Decision) -> TraceEvent:
    codes = [reason.code for reason in decision.reasons]
    summary = f"{decision.kind}: {decision.outcome}"
    if decision.queue_id is not None:
        summary += f" {decision.queue_id}"
    if decision.agent_id is not None:
        summary += f", agent {decision.agent_id}"
    if codes:
        summary += f" ({', '.join(codes)})"
    return TraceEvent(
        at=decision.created_at,
        kind="decision",
        ref=decision.id,
        summary=summary,
        detail={
            "kind": decision.kind,
            "outcome": decision.outcome,
            "message_id": decision.message_id,
            "reasons": [{"code": r.code, "text": _scrub(r.text)} for r in decision.reasons],
            "policy_version": decision.policy_version,
            "model_version": decision.model_version,
            "queue": decision.queue_id,
            "priority": decision.priority,
            "agent": decision.agent_id,
        },
    )


def _action(action: Action) -> TraceEvent:
    summary = f"action: {action.kind.value} on {action.order_id}, {action.status.value}"
    if action.needs_approval:
        summary += ", needs approval"
    if action.decided_by is not None:
        summary += f", decided by {action.decided_by}"
    return TraceEvent(
        at=action.created_at,
        kind="action",
        ref=action.id,
        summary=summary,
        detail={
            "kind": action.kind.value,
            "status": action.status.value,
            "order_id": action.order_id,
            "needs_approval": action.needs_approval,
            "reasons": [r.code for r in action.reasons],
            "decided_by": action.decided_by,
            "decided_at": _iso(action.decided_at),
        },
    )


def _handoff(handoff: Handoff) -> TraceEvent:
    packet = handoff.packet
    intent = packet.get("intent")
    summary = f"handoff: to {handoff.queue_id}"
    if handoff.agent_id is not None:
        summary += f", agent {handoff.agent_id}"
    return TraceEvent(
        at=handoff.created_at,
        kind="handoff",
        ref=handoff.id,
        summary=summary,
        detail={
            "decision_id": handoff.decision_id,
            "queue": handoff.queue_id,
            "agent": handoff.agent_id,
            "summary": packet.get("summary"),
            "intent": intent.get("name") if isinstance(intent, dict) else None,
            "priority": packet.get("priority"),
            "escalation_reasons": packet.get("escalation_reasons", []),
            "open_questions": packet.get("open_questions", []),
        },
    )


def _suggestion(suggestion: Suggestion) -> TraceEvent:
    return TraceEvent(
        at=suggestion.created_at,
        kind="suggestion",
        ref=suggestion.id,
        summary=(
            f"suggestion #{suggestion.rank}: {suggestion.source.value} {suggestion.source_id} "
            f"({suggestion.score:.2f})"
        ),
        detail={
            "message_id": suggestion.message_id,
            "rank": suggestion.rank,
            "source": suggestion.source.value,
            "source_id": suggestion.source_id,
            "intent": suggestion.intent,
            "score": round(suggestion.score, 4),
        },
    )


def _feedback(feedback: Feedback, rank: int | None) -> TraceEvent:
    which = "suggestion" if rank is None else f"suggestion #{rank}"
    return TraceEvent(
        at=feedback.given_at,
        kind="feedback",
        ref=feedback.suggestion_id,
        summary=f"feedback on {which}: {feedback.action.value} by {feedback.given_by}",
        detail={
            "action": feedback.action.value,
            "edit_distance": feedback.edit_distance,
            "reason": _scrub(feedback.reason),
            "given_by": feedback.given_by,
        },
    )


def _closed(conversation: Conversation) -> TraceEvent | None:
    if conversation.closed_at is None:
        return None
    outcome = None if conversation.outcome is None else conversation.outcome.value
    return TraceEvent(
        at=conversation.closed_at,
        kind="closed",
        ref=conversation.id,
        summary=f"closed: {outcome or 'no outcome'}",
        detail={"outcome": outcome},
    )


def _qa(record: QaRecord) -> TraceEvent:
    result = record.result
    failed = [r.criterion_id for r in result.results if r.passed is False]
    score = "n/a" if result.score is None else f"{result.score:.1f}"
    summary = f"qa: {score} on {result.scorecard_version}, handled by {record.handled_by}"
    if result.auto_failed:
        summary += ", auto-failed"
    if failed:
        summary += f" (failed: {', '.join(failed)})"
    return TraceEvent(
        at=record.scored_at,
        kind="qa",
        ref=result.conversation_id,
        summary=summary,
        detail={
            "score": result.score,
            "auto_failed": result.auto_failed,
            "scorecard_version": result.scorecard_version,
            "handled_by": record.handled_by,
            "failed_criteria": failed,
        },
    )


def _review(record: ReviewRecord) -> TraceEvent:
    review = record.review
    return TraceEvent(
        at=record.at,
        kind="review",
        ref=record.id,
        summary=(
            f"review by {review.reviewer}: {len(review.verdicts)} verdict(s), "
            f"{len(record.disputes)} dispute(s)"
        ),
        detail={
            "reviewer": review.reviewer,
            "verdicts": dict(review.verdicts),
            "disputes": {key: _scrub(text) for key, text in record.disputes.items()},
        },
    )


def _survey(survey: Survey) -> TraceEvent:
    return TraceEvent(
        at=survey.answered_at,
        kind="survey",
        ref=survey.conversation_id,
        summary=f"survey: {survey.score}/5",
        detail={"score": survey.score, "comment": _scrub(survey.comment)},
    )

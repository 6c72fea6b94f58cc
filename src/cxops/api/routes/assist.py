"""Agent assist: reply suggestions with guidance, the feedback on them, the acceptance report."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.routes.conversations import message_out
from cxops.api.schemas import (
    AcceptanceOut,
    AssistanceOut,
    CustomerContextOut,
    CustomerOut,
    FeedbackCreate,
    FeedbackOut,
    NextActionOut,
    OrderOut,
    PastContactOut,
    ReturnOut,
    SegmentOut,
    SuggestionOut,
    TranscriptSegment,
)
from cxops.assist.acceptance import render_report
from cxops.assist.service import Assistance
from cxops.domain.access import Principal
from cxops.domain.conversations import MessageRole
from cxops.domain.ids import ConversationId, SuggestionId
from cxops.governance.roles import Permission
from cxops.pipeline import NewMessage

router = APIRouter(tags=["assist"], responses=ERROR_RESPONSES)

Handler = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_WRITE))]
Reader = Annotated[Principal, Depends(allow(Permission.DECISIONS_READ))]
CustomerReader = Annotated[Principal, Depends(allow(Permission.CUSTOMERS_READ))]


@router.get("/v1/conversations/{conversation_id}/suggestions", response_model=AssistanceOut)
def suggestions(conversation_id: str, container: ContainerDep, _: Handler) -> AssistanceOut:
    """Ranked reply drafts for the latest customer message, with next-best-actions, compliance
    reminders and de-escalation phrases. Each call stores the drafts it shows."""
    return _assistance_out(container.assistant.assist(ConversationId(conversation_id)))


def _assistance_out(shown: Assistance) -> AssistanceOut:
    return AssistanceOut(
        conversation_id=shown.conversation_id,
        suggestions=[SuggestionOut.model_validate(s) for s in shown.suggestions],
        next_best_actions=[NextActionOut.model_validate(a) for a in shown.guidance.actions],
        reminders=list(shown.guidance.reminders),
        de_escalation=list(shown.guidance.de_escalation),
        rules_version=shown.rules_version,
        fallbacks=list(shown.fallbacks),
    )


@router.get("/v1/conversations/{conversation_id}/context", response_model=CustomerContextOut)
def context(
    conversation_id: str, container: ContainerDep, viewer: CustomerReader
) -> CustomerContextOut:
    """The customer's profile, recent orders, open returns and past contacts with their
    outcomes; email, phone and street masked for agents, auditors and analysts."""
    view = container.assistant.context(ConversationId(conversation_id), viewer=viewer.role)
    return CustomerContextOut(
        conversation_id=view.conversation_id,
        customer=None if view.customer is None else CustomerOut.model_validate(view.customer),
        recent_orders=[OrderOut.model_validate(o) for o in view.recent_orders],
        open_returns=[ReturnOut.model_validate(r) for r in view.open_returns],
        past_contacts=[
            PastContactOut(
                conversation_id=p.conversation.id,
                channel=p.conversation.channel,
                created_at=p.conversation.created_at,
                status=p.conversation.status,
                outcome=p.conversation.outcome,
                intents=list(p.intents),
                handled_by=p.handled_by,
            )
            for p in view.past_contacts
        ],
    )


@router.post("/v1/conversations/{conversation_id}/transcript", response_model=SegmentOut)
def transcript_segment(
    conversation_id: str, body: TranscriptSegment, container: ContainerDep, _: Handler
) -> SegmentOut:
    """Take one segment of a live call's transcript. A final segment is stored as a message of
    its speaker (idempotent per `sequence`); after a final customer segment the suggestions are
    refreshed and returned, so the agent's screen follows the call."""
    if not body.final:
        return SegmentOut(stored=None, assistance=None)
    posted = container.pipeline.post_message(
        ConversationId(conversation_id),
        NewMessage(text=body.text, role=MessageRole(body.speaker)),
        idempotency_key=f"transcript-{body.sequence}",
    )
    assistance = None
    if body.speaker == "customer":
        assistance = _assistance_out(container.assistant.assist(ConversationId(conversation_id)))
    return SegmentOut(stored=message_out(posted.message, posted.triage), assistance=assistance)


@router.post("/v1/suggestions/{suggestion_id}/feedback", response_model=FeedbackOut)
def feedback(
    suggestion_id: str, body: FeedbackCreate, container: ContainerDep, principal: Handler
) -> FeedbackOut:
    """Accepted (sent as drafted), edited (`final_text` required) or ignored, with an optional
    reason; once per suggestion (409 after)."""
    given = container.assistant.feedback(
        SuggestionId(suggestion_id),
        action=body.action,
        final_text=body.final_text,
        reason=body.reason,
        given_by=principal.user_id or principal.key_id,
    )
    return FeedbackOut.model_validate(given)


@router.get("/v1/assist/acceptance", response_model=AcceptanceOut)
def acceptance(
    container: ContainerDep,
    _: Reader,
    by: Annotated[Literal["intent", "source"], Query()] = "intent",
    since: Annotated[datetime | None, Query(description="ISO 8601, with a time zone")] = None,
) -> AcceptanceOut:
    """Suggestions shown and how many were accepted, edited or ignored, per intent or source."""
    rows = container.assistant.acceptance(since=since, by=by)
    return AcceptanceOut(by=by, rows=render_report(rows))

"""The contact trace: every step of one conversation in time order, for audit end to end."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from cxops.analytics.trace import build_trace, read_contact
from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import Out
from cxops.domain.access import Principal
from cxops.domain.conversations import Channel, ConversationStatus, Outcome
from cxops.domain.ids import ConversationId
from cxops.governance.roles import Permission

router = APIRouter(tags=["trace"], responses=ERROR_RESPONSES)

Auditor = Annotated[Principal, Depends(allow(Permission.DECISIONS_READ))]


class TraceConversationOut(Out):
    """The conversation as it stands now; the customer by id only (the survey's score is in
    the `survey` event)."""

    id: str
    channel: Channel
    status: ConversationStatus
    customer_id: str | None
    queue: str | None = Field(validation_alias="queue_id")
    agent: str | None = Field(validation_alias="assigned_agent_id")
    priority: int | None
    created_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None


class TraceEventOut(Out):
    at: datetime
    kind: str = Field(
        description="opened, message, triage, decision, action, handoff, suggestion, feedback, "
        "closed, qa, review or survey."
    )
    ref: str = Field(description="The id of the record the event comes from.")
    summary: str
    detail: dict[str, Any]


class TraceOut(BaseModel):
    conversation: TraceConversationOut
    events: list[TraceEventOut]


@router.get("/v1/conversations/{conversation_id}/trace", response_model=TraceOut)
def get_trace(conversation_id: str, container: ContainerDep, _: Auditor) -> TraceOut:
    """Every message (redacted as stored), triage, decision with its reasons and versions, bot
    action, handoff, suggestion shown and the feedback on it, QA result and review, survey and
    close of the conversation, oldest first; each event names the record it comes from."""
    with container.uow() as uow:
        records = read_contact(uow, ConversationId(conversation_id))
    return TraceOut(
        conversation=TraceConversationOut.model_validate(records.conversation),
        events=[TraceEventOut.model_validate(event) for event in build_trace(records)],
    )

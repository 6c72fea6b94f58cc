"""Conversations and their messages: the ingestion API integrators code against."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from cxops.api.deps import ContainerDep, IdempotencyKey, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import (
    ConversationCreate,
    ConversationDetail,
    ConversationOut,
    DecisionOut,
    MessageCreate,
    MessageOut,
    MessagePosted,
    TriageOut,
)
from cxops.domain.access import Principal
from cxops.domain.conversations import Message, MessageRole
from cxops.domain.ids import ConversationId, CustomerId
from cxops.domain.triage import Triage
from cxops.governance.roles import Permission
from cxops.pipeline import NewConversation, NewMessage

router = APIRouter(prefix="/v1/conversations", tags=["conversations"], responses=ERROR_RESPONSES)

Writer = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_WRITE))]
Reader = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_READ))]
REPLAYED = "Idempotent-Replayed"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConversationOut)
def create_conversation(
    body: ConversationCreate,
    response: Response,
    container: ContainerDep,
    _: Writer,
    key: IdempotencyKey,
) -> ConversationOut:
    """Open a conversation. With `Idempotency-Key`, a retry returns the conversation first made."""
    started = container.pipeline.start_conversation(
        NewConversation(
            channel=body.channel,
            customer_id=None if body.customer_id is None else CustomerId(body.customer_id),
            subject=body.subject,
            external_ref=body.external_ref,
        ),
        idempotency_key=key,
    )
    if started.replayed:
        response.headers[REPLAYED] = "true"
    return ConversationOut.model_validate(started.conversation)


@router.post(
    "/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessagePosted,
)
def post_message(
    conversation_id: str,
    body: MessageCreate,
    response: Response,
    container: ContainerDep,
    _: Writer,
    key: IdempotencyKey,
) -> MessagePosted:
    """Add a message. It is stored durably before the response is sent; with `Idempotency-Key`,
    a retry returns the original message and stores nothing new."""
    posted = container.pipeline.post_message(
        ConversationId(conversation_id),
        NewMessage(text=body.text, role=MessageRole(body.role)),
        idempotency_key=key,
    )
    if posted.replayed:
        response.headers[REPLAYED] = "true"
    return MessagePosted(
        conversation_id=conversation_id,
        message=message_out(posted.message, posted.triage),
        decision=None if posted.decision is None else DecisionOut.model_validate(posted.decision),
        replies=[MessageOut.model_validate(m) for m in posted.replies],
    )


@router.get("/{conversation_id}", response_model=ConversationDetail)
def get_conversation(
    conversation_id: str, container: ContainerDep, _: Reader
) -> ConversationDetail:
    """A conversation with its messages and decisions, oldest first."""
    view = container.pipeline.conversation(ConversationId(conversation_id))
    return ConversationDetail.model_validate(
        {
            **ConversationOut.model_validate(view.conversation).model_dump(),
            "messages": [message_out(m, view.triage.get(m.id)) for m in view.messages],
            "decisions": view.decisions,
            "sentiment": view.sentiment,
        }
    )


def message_out(message: Message, triage: Triage | None) -> MessageOut:
    """A message with its triage, each validated once."""
    if triage is None:
        return MessageOut.model_validate(message)
    return MessageOut.model_validate(message).model_copy(
        update={"triage": TriageOut.model_validate(triage)}
    )

"""A stored conversation turned into the `Transcript` the scorer reads.

Pure: the caller reads the conversation, its messages, their triage, its decisions and the bot's
actions; this module decides what counts. Identity counts as verified from the start for a
signed-in customer (the channel vouched for them), else from the bot's `verified` step. A
transfer is a decision of kind `transfer`, a hold one of kind `hold`. A person handled it when
one was assigned or wrote in it.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from cxops.domain.conversations import Conversation, Message, MessageRole
from cxops.domain.decisions import Decision
from cxops.domain.ids import MessageId
from cxops.domain.qa import ActionEvent, HandledBy, Hold, Transcript, Turn
from cxops.domain.selfservice import Action
from cxops.domain.triage import Triage

SELFSERVICE = "selfservice"
TRANSFER = "transfer"
HOLD = "hold"
VERIFIED = "verified"


def transcript(
    conversation: Conversation,
    messages: Sequence[Message],
    triage: Mapping[MessageId, Triage],
    decisions: Sequence[Decision],
    actions: Sequence[Action],
) -> Transcript:
    """The closed `conversation` as the scorer reads it; raises `ValueError` if it is open."""
    if conversation.closed_at is None:
        raise ValueError(f"conversation {conversation.id} is not closed")
    verified = [d.created_at for d in decisions if d.kind == SELFSERVICE and d.outcome == VERIFIED]
    signed_in = conversation.customer_id is not None and not verified
    return Transcript(
        conversation_id=conversation.id,
        channel=conversation.channel,
        handled_by=HandledBy.AGENT
        if conversation.assigned_agent_id or any(m.role is MessageRole.AGENT for m in messages)
        else HandledBy.BOT,
        turns=tuple(
            Turn(
                id=m.id,
                role=m.role,
                text=m.text,
                created_at=m.created_at,
                sentiment=triage[m.id].sentiment.score
                if m.role is MessageRole.CUSTOMER and m.id in triage
                else None,
            )
            for m in messages
        ),
        closed_at=conversation.closed_at,
        actions=tuple(
            ActionEvent(id=a.id, kind=a.kind.value, status=a.status.value, at=a.created_at)
            for a in actions
        ),
        verified_at=conversation.created_at if signed_in else min(verified, default=None),
        transfers=sum(d.kind == TRANSFER for d in decisions),
        holds=tuple(
            Hold(
                datetime.fromisoformat(d.inputs["started_at"]),
                datetime.fromisoformat(d.inputs["ended_at"]),
            )
            for d in decisions
            if d.kind == HOLD
        ),
        outcome=conversation.outcome,
        intent=first_intent(messages, triage),
    )


def first_intent(messages: Sequence[Message], triage: Mapping[MessageId, Triage]) -> str | None:
    """The customer's first in-scope request, or None if they never made one."""
    for message in messages:
        found = triage.get(message.id)
        if found is not None and not found.intent.out_of_scope:
            return found.intent.name
    return None

from datetime import UTC, datetime

import pytest

from cxops.connectors.clock import FixedClock
from cxops.domain.conversations import Channel, Conversation, ConversationStatus, MessageRole
from cxops.domain.errors import BusinessRuleError, IdempotencyConflictError, InvalidInputError
from cxops.domain.ids import ConversationId
from cxops.pipeline import NewConversation, NewMessage, Pipeline
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from tests.wiring import build_pipeline

CLOCK = FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def pipeline(uow_factory: SqlUnitOfWorkFactory, triage_engine: TriageEngine) -> Pipeline:
    return build_pipeline(uow_factory, CLOCK, triage_engine, max_message_chars=100)


def test_that_a_conversation_retry_with_other_details_is_refused(pipeline: Pipeline) -> None:
    pipeline.start_conversation(NewConversation(channel=Channel.CHAT), idempotency_key="k1")
    again = pipeline.start_conversation(NewConversation(channel=Channel.CHAT), idempotency_key="k1")
    assert again.replayed
    with pytest.raises(IdempotencyConflictError):
        pipeline.start_conversation(NewConversation(channel=Channel.EMAIL), idempotency_key="k1")


def test_that_the_same_key_in_two_conversations_means_two_messages(pipeline: Pipeline) -> None:
    first = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation
    second = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation
    a = pipeline.post_message(first.id, NewMessage(text="hi"), idempotency_key="same")
    b = pipeline.post_message(second.id, NewMessage(text="hi"), idempotency_key="same")
    assert not a.replayed
    assert not b.replayed
    assert a.message.id != b.message.id


def test_that_a_role_change_under_the_same_key_is_a_conflict(pipeline: Pipeline) -> None:
    conversation = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation
    pipeline.post_message(conversation.id, NewMessage(text="ok"), idempotency_key="k")
    with pytest.raises(IdempotencyConflictError):
        pipeline.post_message(
            conversation.id, NewMessage(text="ok", role=MessageRole.AGENT), idempotency_key="k"
        )


def test_that_the_length_limit_comes_from_the_settings(pipeline: Pipeline) -> None:
    conversation = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation
    pipeline.post_message(conversation.id, NewMessage(text="x" * 100))
    with pytest.raises(InvalidInputError, match="limit is 100"):
        pipeline.post_message(conversation.id, NewMessage(text="x" * 101))


def test_that_a_closed_conversation_takes_no_new_messages(
    pipeline: Pipeline, uow_factory: SqlUnitOfWorkFactory
) -> None:
    now = CLOCK.now()
    closed = Conversation(
        id=ConversationId("conv_closed"),
        channel=Channel.EMAIL,
        status=ConversationStatus.CLOSED,
        created_at=now,
        updated_at=now,
        closed_at=now,
    )
    with uow_factory() as uow:
        uow.conversations.add(closed)
        uow.commit()
    with pytest.raises(BusinessRuleError) as raised:
        pipeline.post_message(closed.id, NewMessage(text="one more thing"))
    assert raised.value.code == "conversation_closed"
    assert pipeline.conversation(closed.id).messages == ()

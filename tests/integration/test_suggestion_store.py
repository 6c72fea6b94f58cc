"""Agent-assist suggestions and feedback on a real database: batches read back by rank,
feedback given once even under a race, and the acceptance report counted in SQL."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from cxops.domain.assist import (
    AcceptanceRow,
    Feedback,
    FeedbackAction,
    Suggestion,
    SuggestionSource,
)
from cxops.domain.conversations import Channel, Conversation, ConversationStatus
from cxops.domain.ids import ConversationId, MessageId, SuggestionId
from cxops.store.uow import SqlUnitOfWorkFactory

T0 = datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC)
CONVERSATION = ConversationId("cnv_suggestions")
OTHER = ConversationId("cnv_other")


def open_conversations(uow_factory: SqlUnitOfWorkFactory, *ids: ConversationId) -> None:
    with uow_factory() as uow:
        for conversation_id in ids:
            uow.conversations.add(
                Conversation(
                    id=conversation_id,
                    channel=Channel.CHAT,
                    status=ConversationStatus.ASSIGNED,
                    created_at=T0,
                    updated_at=T0,
                )
            )
        uow.commit()


@pytest.fixture
def factory(uow_factory: SqlUnitOfWorkFactory) -> SqlUnitOfWorkFactory:
    open_conversations(uow_factory, CONVERSATION, OTHER)
    return uow_factory


def suggestion(
    name: str,
    *,
    rank: int = 1,
    at: datetime = T0,
    message: str | None = "msg_1",
    conversation: ConversationId = CONVERSATION,
    intent: str = "where_is_my_order",
    source: SuggestionSource = SuggestionSource.MACRO,
) -> Suggestion:
    return Suggestion(
        id=SuggestionId(f"sug_{name}"),
        conversation_id=conversation,
        message_id=None if message is None else MessageId(message),
        rank=rank,
        text=f"Draft {name}: your order W2001234 ships tomorrow.",
        source=source,
        source_id=f"{source.value}-{name}",
        intent=intent,
        score=1.0 / rank,
        rationale=("intent where_is_my_order (0.93)", "order W2001234 is shipped"),
        created_at=at,
    )


def feedback(
    name: str, action: FeedbackAction = FeedbackAction.ACCEPTED, *, by: str = "agt_1"
) -> Feedback:
    return Feedback(
        suggestion_id=SuggestionId(f"sug_{name}"),
        action=action,
        final_text=None if action is FeedbackAction.IGNORED else "Sent text.",
        edit_distance=0 if action is FeedbackAction.ACCEPTED else 7,
        reason="" if action is not FeedbackAction.IGNORED else "wrong order",
        given_by=by,
        given_at=T0 + timedelta(minutes=1),
    )


def store(factory: SqlUnitOfWorkFactory, *items: Suggestion) -> None:
    with factory() as uow:
        uow.suggestions.add_many(items)
        uow.commit()


def give(factory: SqlUnitOfWorkFactory, *items: Feedback) -> list[bool]:
    with factory() as uow:
        recorded = [uow.suggestions.record_feedback(f) for f in items]
        uow.commit()
    return recorded


def test_that_suggestions_come_back_as_stored_and_by_rank(factory: SqlUnitOfWorkFactory) -> None:
    third, first, second = (suggestion(n, rank=r) for n, r in (("c", 3), ("a", 1), ("b", 2)))
    elsewhere = suggestion("d", message="msg_2")
    store(factory, third, first, second, elsewhere)

    with factory() as uow:
        got = uow.suggestions.get(first.id)
        for_message = uow.suggestions.for_message(CONVERSATION, MessageId("msg_1"))
        missing = uow.suggestions.get(SuggestionId("sug_missing"))
    assert got == first
    assert for_message == [first, second, third]
    assert missing is None


def test_that_nothing_to_store_writes_nothing(factory: SqlUnitOfWorkFactory) -> None:
    store(factory)

    with factory() as uow:
        assert uow.suggestions.latest(CONVERSATION) == []


def test_that_latest_is_the_newest_batch_of_the_conversation(
    factory: SqlUnitOfWorkFactory,
) -> None:
    later = T0 + timedelta(seconds=30)
    store(factory, suggestion("old1"), suggestion("old2", rank=2))
    store(
        factory,
        suggestion("new2", rank=2, at=later, message="msg_2"),
        suggestion("new1", at=later, message="msg_2"),
        suggestion("theirs", at=later + timedelta(hours=1), conversation=OTHER),
    )

    with factory() as uow:
        latest = uow.suggestions.latest(CONVERSATION)
        none_yet = uow.suggestions.latest(ConversationId("cnv_unknown"))
    assert [s.id for s in latest] == ["sug_new1", "sug_new2"]
    assert none_yet == []


def test_that_a_batch_made_without_a_message_is_a_batch_of_its_own(
    factory: SqlUnitOfWorkFactory,
) -> None:
    # Made at the same instant: the newest id decides which batch is the latest.
    store(factory, suggestion("m1"), suggestion("m2", rank=2), suggestion("free", message=None))

    with factory() as uow:
        same_instant = uow.suggestions.latest(CONVERSATION)
    store(factory, suggestion("free2", message=None, at=T0 + timedelta(microseconds=1)))
    with factory() as uow:
        newer = uow.suggestions.latest(CONVERSATION)
    assert [s.id for s in same_instant] == ["sug_m1", "sug_m2"]
    assert [s.id for s in newer] == ["sug_free2"]
    assert newer[0].message_id is None


def test_that_feedback_is_given_once_and_the_first_answer_stands(
    factory: SqlUnitOfWorkFactory,
) -> None:
    store(factory, suggestion("a"))
    first = feedback("a", FeedbackAction.EDITED)

    assert give(factory, first) == [True]
    # The refused duplicate leaves the transaction usable: the second feedback in it is kept.
    store(factory, suggestion("b", rank=2))
    assert give(factory, feedback("a", FeedbackAction.IGNORED, by="agt_2"), feedback("b")) == [
        False,
        True,
    ]

    with factory() as uow:
        assert uow.suggestions.feedback(SuggestionId("sug_a")) == first
        assert uow.suggestions.feedback(SuggestionId("sug_b")) == feedback("b")
        assert uow.suggestions.feedback(SuggestionId("sug_none")) is None


def test_that_of_two_concurrent_feedbacks_one_is_recorded(factory: SqlUnitOfWorkFactory) -> None:
    store(factory, suggestion("a"))
    results: list[bool] = []

    def second_agent() -> None:
        with factory() as uow:
            results.append(uow.suggestions.record_feedback(feedback("a", by="agt_2")))
            uow.commit()

    with factory() as uow:
        assert uow.suggestions.record_feedback(feedback("a", by="agt_1"))
        # The other transaction waits on this one's lock (the row, or SQLite's writer lock).
        racer = threading.Thread(target=second_agent)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()
        uow.commit()
    racer.join(timeout=30)

    assert not racer.is_alive()
    assert results == [False]
    with factory() as uow:
        stored = uow.suggestions.feedback(SuggestionId("sug_a"))
    assert stored is not None
    assert stored.given_by == "agt_1"


def test_that_feedback_on_an_unknown_suggestion_is_refused(factory: SqlUnitOfWorkFactory) -> None:
    with factory() as uow, pytest.raises(IntegrityError):
        uow.suggestions.record_feedback(feedback("ghost"))


def report_data(factory: SqlUnitOfWorkFactory) -> None:
    later = T0 + timedelta(days=1)
    store(
        factory,
        suggestion("w1"),
        suggestion("w2", rank=2, source=SuggestionSource.ARTICLE),
        suggestion("w3", rank=3, source=SuggestionSource.GENERATED),
        suggestion("r1", at=later, intent="return_item"),
        suggestion("r2", rank=2, at=later, intent="return_item", source=SuggestionSource.ARTICLE),
        suggestion("r3", at=later, message="msg_2", intent="return_item", conversation=OTHER),
    )
    give(
        factory,
        feedback("w1", FeedbackAction.ACCEPTED),
        feedback("w2", FeedbackAction.IGNORED),
        feedback("r1", FeedbackAction.EDITED),
        feedback("r2", FeedbackAction.ACCEPTED),
    )


def test_that_acceptance_is_counted_per_intent_and_per_source(
    factory: SqlUnitOfWorkFactory,
) -> None:
    report_data(factory)

    with factory() as uow:
        by_intent = uow.suggestions.acceptance(since=None, by="intent")
        by_source = uow.suggestions.acceptance(since=None, by="source")
    assert by_intent == [
        AcceptanceRow("return_item", shown=3, accepted=1, edited=1, ignored=0),
        AcceptanceRow("where_is_my_order", shown=3, accepted=1, edited=0, ignored=1),
    ]
    assert by_source == [
        AcceptanceRow("article", shown=2, accepted=1, edited=0, ignored=1),
        AcceptanceRow("generated", shown=1, accepted=0, edited=0, ignored=0),
        AcceptanceRow("macro", shown=3, accepted=1, edited=1, ignored=0),
    ]
    assert by_source[1].acceptance_rate == 0.0
    assert by_intent[0].acceptance_rate == 1.0


def test_that_acceptance_counts_only_suggestions_made_since(
    factory: SqlUnitOfWorkFactory,
) -> None:
    report_data(factory)

    with factory() as uow:
        recent = uow.suggestions.acceptance(since=T0 + timedelta(hours=1), by="source")
        from_the_start = uow.suggestions.acceptance(since=T0, by="intent")
        future = uow.suggestions.acceptance(since=T0 + timedelta(days=2), by="intent")
    assert recent == [
        AcceptanceRow("article", shown=1, accepted=1, edited=0, ignored=0),
        AcceptanceRow("macro", shown=2, accepted=0, edited=1, ignored=0),
    ]
    assert [row.shown for row in from_the_start] == [3, 3]
    assert future == []

"""When the order system does not answer, the bot hands the customer to a person with what it
learned, instead of failing or guessing."""

from pathlib import Path

import pytest
import yaml

from cxops.connectors.clock import FixedClock
from cxops.connectors.rest_order_config import RestOrderSystemConfig
from cxops.connectors.rest_order_system import RestOrderSystem
from cxops.domain.conversations import Channel, ConversationStatus
from cxops.pipeline import NewConversation, NewMessage
from cxops.store.engine import make_engine
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from tests.integration.test_rest_order_system import ENVIRON, EXAMPLE, ONE_ATTEMPT, merged
from tests.selfservice_suite import NOW, build_template, load_suite
from tests.wiring import build_pipeline

# Nothing listens on the discard port: every call fails at once with "connection refused".
NOWHERE = {
    "base_url": "http://127.0.0.1:9",
    "timeouts": {"connect_seconds": 0.2, "read_seconds": 0.2, "total_seconds": 0.5},
    **ONE_ATTEMPT,
}


@pytest.fixture
def unreachable() -> RestOrderSystem:
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    config = RestOrderSystemConfig.model_validate(merged(example, NOWHERE))
    return RestOrderSystem(config=config, environ=ENVIRON)


def test_that_an_order_system_outage_hands_over_with_context(
    tmp_path: Path, triage_engine: TriageEngine, unreachable: RestOrderSystem
) -> None:
    template = build_template(load_suite().world, tmp_path)
    uow = SqlUnitOfWorkFactory(make_engine(f"sqlite:///{template}"))
    pipeline = build_pipeline(uow, FixedClock(NOW), triage_engine, orders=unreachable)
    conversation = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation

    pipeline.post_message(conversation.id, NewMessage(text="Where is my order W3000002?"))
    posted = pipeline.post_message(
        conversation.id, NewMessage(text="my email is ana.ruiz@example.com")
    )

    assert "colleague" in posted.replies[0].text
    view = pipeline.conversation(conversation.id)
    assert view.conversation.status is ConversationStatus.QUEUED
    with uow() as u:
        handoff = u.handoffs.latest(conversation.id)
    assert handoff is not None
    assert handoff.queue_id == "q_orders_delivery"
    reasons = handoff.packet["escalation_reasons"]
    assert reasons[0]["code"] == "connector_unavailable"
    assert "find_customer" in reasons[0]["text"]
    learned = handoff.packet["bot_learned"]
    assert learned["flow"] == "order_status"
    assert learned["identity_verified"] is False

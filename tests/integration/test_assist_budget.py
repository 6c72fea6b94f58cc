"""Agent assist within its latency budget: a slow order system or a slow, broken or misbehaving
generative endpoint costs the drafts what it would have added, never the answer's timeliness.

Real parts throughout: the embedded store behind the REST order system's HTTP service, and an
OpenAI-compatible server on a loopback port.
"""

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from cxops.assist.generative import GenerativeDrafter, GenerativeSettings
from cxops.assist.retrieval import static_embedder
from cxops.assist.rules import default_rules
from cxops.assist.service import Assistant
from cxops.connectors.clock import FixedClock
from cxops.connectors.rest_order_config import RestOrderSystemConfig
from cxops.connectors.rest_order_system import RestOrderSystem
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.domain.assist import SuggestionSource
from cxops.domain.conversations import Channel
from cxops.domain.ids import CustomerId
from cxops.pipeline import NewConversation, NewMessage
from cxops.ports import OrderSystem
from cxops.store.engine import make_engine
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from tests.integration.test_rest_order_system import ENVIRON, EXAMPLE, TEST_SETTINGS, merged
from tests.openai_fake import FakeChatServer
from tests.order_service import OrderService
from tests.selfservice_suite import NOW, build_template, load_suite
from tests.wiring import build_pipeline

QUESTION = "Where is my order W3000002?"
TRACKING = "1Z999AA10123456784"


@pytest.fixture
def uow(tmp_path: Path) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(
        make_engine(f"sqlite:///{build_template(load_suite().world, tmp_path)}")
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def embedded(uow: SqlUnitOfWorkFactory, clock: FixedClock) -> SqlOrderStore:
    return SqlOrderStore(uow_factory=uow, clock=clock)


def assistant(
    uow: SqlUnitOfWorkFactory,
    clock: FixedClock,
    orders: OrderSystem,
    *,
    budget: float = 1.0,
    generator: GenerativeDrafter | None = None,
) -> Assistant:
    ready = Assistant(
        uow_factory=uow,
        clock=clock,
        orders=orders,
        embedder=static_embedder(),
        rules=default_rules(),
        budget_seconds=budget,
        generator=generator,
        generator_name="fake-model",
    )
    ready.warm_up()
    return ready


def ask(
    uow: SqlUnitOfWorkFactory, clock: FixedClock, triage: TriageEngine, orders: OrderSystem
) -> str:
    """A signed-in customer's question, posted through the pipeline; its conversation id."""
    pipeline = build_pipeline(uow, clock, triage, orders=orders)
    opened = pipeline.start_conversation(
        NewConversation(channel=Channel.CHAT, customer_id=CustomerId("ana"))
    ).conversation
    pipeline.post_message(opened.id, NewMessage(text=QUESTION))
    return opened.id


@pytest.fixture
def chat() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


def drafter(chat: FakeChatServer) -> GenerativeDrafter:
    return GenerativeDrafter(
        GenerativeSettings(base_url=chat.base_url, model="fake-model", timeout_seconds=5.0)
    )


def test_that_a_slow_order_system_leaves_the_customers_facts_out_instead_of_being_late(
    uow: SqlUnitOfWorkFactory,
    clock: FixedClock,
    embedded: SqlOrderStore,
    triage_engine: TriageEngine,
) -> None:
    conversation = ask(uow, clock, triage_engine, embedded)
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    with OrderService(embedded) as service:
        config = RestOrderSystemConfig.model_validate(
            merged(example, {"base_url": service.url, **TEST_SETTINGS})
        )
        with RestOrderSystem(config=config, environ=ENVIRON) as rest:
            prompt = assistant(uow, clock, rest, budget=5.0).assist(conversation)
            assert TRACKING in " ".join(s.text for s in prompt.suggestions)
            assert prompt.fallbacks == ()

            service.stall_next(10, seconds=2.0)
            slow = assistant(uow, clock, rest, budget=0.3)
            started = time.monotonic()
            late = slow.assist(conversation)
            elapsed = time.monotonic() - started
            slow.close()
    assert late.fallbacks == ("order_system_slow",)
    assert elapsed < 1.0
    assert len(late.suggestions) >= 3
    assert not any(TRACKING in s.text or "Ana" in s.text for s in late.suggestions)


def test_that_a_generated_draft_comes_first_grounded_and_without_personal_data_sent(
    uow: SqlUnitOfWorkFactory,
    clock: FixedClock,
    embedded: SqlOrderStore,
    triage_engine: TriageEngine,
    chat: FakeChatServer,
) -> None:
    conversation = ask(uow, clock, triage_engine, embedded)
    chat.reply = (
        "Hi {first_name}, your order {order_id} is on its way with {carrier}; "
        "the tracking number is {tracking_number}."
    )
    shown = assistant(uow, clock, embedded, generator=drafter(chat)).assist(conversation)

    first = shown.suggestions[0]
    assert first.source is SuggestionSource.GENERATED
    assert first.source_id == "fake-model"
    for fact in ("Ana", "W3000002", TRACKING):
        assert fact in first.text
    assert any("fake-model" in line for line in first.rationale)
    assert shown.fallbacks == ()
    sent = json.dumps([r.json() for r in chat.requests])
    for fact in ("Ana", "W3000002", TRACKING):
        assert fact not in sent
    assert "{tracking_number}" in sent


@pytest.mark.parametrize(
    ("setup", "fallback"),
    [
        pytest.param({"delay_seconds": 3.0, "reply": "Hi."}, "generative_timeout", id="slow"),
        pytest.param({"status": 500}, "generative_unavailable", id="down"),
        pytest.param(
            {"reply": "Hi {first_name}, we refunded $999 today."},
            "generative_rejected",
            id="invented-amount",
        ),
    ],
)
def test_that_a_failing_generative_endpoint_falls_back_to_the_retrieved_drafts_in_time(
    uow: SqlUnitOfWorkFactory,
    clock: FixedClock,
    embedded: SqlOrderStore,
    triage_engine: TriageEngine,
    chat: FakeChatServer,
    setup: dict[str, object],
    fallback: str,
) -> None:
    conversation = ask(uow, clock, triage_engine, embedded)
    for name, value in setup.items():
        setattr(chat, name, value)
    started = time.monotonic()
    shown = assistant(uow, clock, embedded, budget=0.8, generator=drafter(chat)).assist(
        conversation
    )
    elapsed = time.monotonic() - started

    assert shown.fallbacks == (fallback,)
    assert elapsed < 2.0
    with uow() as u:
        assert u.monitoring.assist_requests(NOW - timedelta(days=1), NOW + timedelta(days=1)) == (
            1,
            1,
        )
    assert len(shown.suggestions) >= 3
    assert all(s.source is not SuggestionSource.GENERATED for s in shown.suggestions)
    assert TRACKING in " ".join(s.text for s in shown.suggestions)

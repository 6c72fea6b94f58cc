"""Agent assist over HTTP: drafts with their rationale and guidance, feedback, acceptance."""

from datetime import timedelta

import httpx
import pytest

from cxops.domain.access import Role
from cxops.domain.catalog import Promotion, PromotionKind
from cxops.domain.customers import Segment
from cxops.domain.ids import OrderId, ProductId, PromotionId
from cxops.domain.knowledge import Macro
from cxops.domain.orders import ReturnItem
from tests.e2e.conftest import LiveServer
from tests.selfservice_suite import load_suite, seed


@pytest.fixture
def world(server: LiveServer) -> None:
    seed(server.container.uow, load_suite().world)


def conversation(api: httpx.Client, text: str, **body: object) -> str:
    opened = api.post("/v1/conversations", json={"channel": "chat", **body}).json()["id"]
    api.post(f"/v1/conversations/{opened}/messages", json={"text": text}).raise_for_status()
    return str(opened)


def test_that_an_unverified_customer_gets_drafts_without_order_facts_and_a_verify_step(
    api: httpx.Client, world: None
) -> None:
    opened = conversation(api, "I sent my return back two weeks ago, where is my refund?")
    body = api.get(f"/v1/conversations/{opened}/suggestions").json()
    drafts = body["suggestions"]
    assert 3 <= len(drafts) <= 5
    assert [d["rank"] for d in drafts] == list(range(1, len(drafts) + 1))
    assert all(d["rationale"] and d["source"] in ("macro", "article") for d in drafts)
    assert drafts == sorted(drafts, key=lambda d: -d["score"])
    assert "verify_identity" in [a["code"] for a in body["next_best_actions"]]
    assert any("not yet verified" in r for r in body["reminders"])
    assert any("refund disclosure" in r for r in body["reminders"])
    assert not any("W300" in d["text"] for d in drafts)
    assert body["rules_version"].startswith("assist-default@")


def test_that_a_signed_in_customer_gets_drafts_with_their_order_facts(
    api: httpx.Client, world: None
) -> None:
    opened = conversation(api, "Where is my order W3000002?", customer_id="ana")
    drafts = api.get(f"/v1/conversations/{opened}/suggestions").json()["suggestions"]
    assert any("1Z999AA10123456784" in d["text"] for d in drafts)
    assert any("Ana" in d["text"] for d in drafts)
    assert all("guarantee" not in d["text"].lower() for d in drafts)


def test_that_an_upset_customer_brings_de_escalation_and_a_goodwill_offer(
    api: httpx.Client, world: None
) -> None:
    opened = conversation(
        api, "This is ridiculous, my order is late AGAIN and nobody helps. Terrible service!!"
    )
    body = api.get(f"/v1/conversations/{opened}/suggestions").json()
    assert body["de_escalation"]
    assert "offer_goodwill_credit" in [a["code"] for a in body["next_best_actions"]]


def test_that_feedback_is_kept_once_and_counted_in_the_acceptance_report(
    server: LiveServer, world: None
) -> None:
    with server.client(Role.AGENT) as agent, server.client(Role.ANALYST) as analyst:
        opened = conversation(agent, "How long does standard delivery take?")
        drafts = agent.get(f"/v1/conversations/{opened}/suggestions").json()["suggestions"]
        first, second, third = (d["id"] for d in drafts[:3])

        accepted = agent.post(f"/v1/suggestions/{first}/feedback", json={"action": "accepted"})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["edit_distance"] == 0
        assert accepted.json()["final_text"] == drafts[0]["text"]

        missing = agent.post(f"/v1/suggestions/{second}/feedback", json={"action": "edited"})
        assert missing.status_code == 422
        assert "final_text" in missing.text
        edited = agent.post(
            f"/v1/suggestions/{second}/feedback",
            json={"action": "edited", "final_text": drafts[1]["text"] + " Thanks!"},
        )
        assert edited.json()["edit_distance"] == len(" Thanks!")
        agent.post(
            f"/v1/suggestions/{third}/feedback", json={"action": "ignored", "reason": "too long"}
        ).raise_for_status()
        again = agent.post(f"/v1/suggestions/{first}/feedback", json={"action": "ignored"})
        assert again.status_code == 409

        report = analyst.get("/v1/assist/acceptance", params={"by": "intent"}).json()
    rows = {row["key"]: row for row in report["rows"]}
    row = rows[drafts[0]["intent"]]
    assert (row["accepted"], row["edited"], row["ignored"]) == (1, 1, 1)
    assert row["shown"] == len(drafts)
    assert row["acceptance_rate"] == pytest.approx(2 / 3, abs=1e-3)


def test_that_the_customer_context_shows_orders_returns_and_past_contacts_masked_by_role(
    server: LiveServer, world: None
) -> None:
    server.container.orders.create_return(
        order_id=OrderId("W3000003"),
        items=[ReturnItem(ProductId("socks"), 1)],
        reason="too small",
        idempotency_key="ctx-return",
    )
    with server.client(Role.AGENT) as agent, server.client(Role.SUPERVISOR) as supervisor:
        earlier = conversation(agent, "Where is my order W3000002?", customer_id="ana")
        agent.post(f"/v1/conversations/{earlier}/close", json={"outcome": "resolved"})
        now = conversation(agent, "I want to return the boots", customer_id="ana")
        anonymous = conversation(agent, "hello, what are your store hours?")
        masked = agent.get(f"/v1/conversations/{now}/context").json()
        whole = supervisor.get(f"/v1/conversations/{now}/context").json()
        nobody = agent.get(f"/v1/conversations/{anonymous}/context").json()
    assert masked["customer"]["email"] == "a•••@example.com"
    assert whole["customer"]["email"] == "ana.ruiz@example.com"
    assert {o["id"] for o in masked["recent_orders"]} >= {"W3000001", "W3000002", "W3000003"}
    assert all(o["shipping_address"]["line1"] == "•••" for o in masked["recent_orders"])
    assert [(r["order_id"], r["status"]) for r in masked["open_returns"]] == [
        ("W3000003", "authorized")
    ]
    past = masked["past_contacts"]
    assert [p["conversation_id"] for p in past] == [earlier]
    assert past[0]["outcome"] == "resolved"
    assert "order_status" in past[0]["intents"]
    assert nobody["customer"] is None
    assert nobody["recent_orders"] == []


def test_that_live_call_segments_are_stored_once_and_refresh_the_suggestions(
    api: httpx.Client, world: None
) -> None:
    call = api.post("/v1/conversations", json={"channel": "voice", "customer_id": "ana"}).json()[
        "id"
    ]
    url = f"/v1/conversations/{call}/transcript"
    partial = api.post(
        url,
        json={"speaker": "customer", "text": "hi I'm calling about", "final": False, "sequence": 1},
    ).json()
    assert partial == {"stored": None, "assistance": None}
    segment = {"speaker": "customer", "text": "Where is my order W3000002?", "sequence": 2}
    first = api.post(url, json=segment).json()
    again = api.post(url, json=segment).json()
    assert first["stored"]["role"] == "customer"
    assert again["stored"]["id"] == first["stored"]["id"]
    assert any("1Z999AA10123456784" in s["text"] for s in first["assistance"]["suggestions"])
    agent = api.post(
        url, json={"speaker": "agent", "text": "Let me check that for you.", "sequence": 3}
    ).json()
    assert agent["stored"]["role"] == "agent"
    assert agent["assistance"] is None
    roles = [m["role"] for m in api.get(f"/v1/conversations/{call}").json()["messages"]]
    assert roles.count("customer") == 1
    assert roles.count("agent") == 1


def test_that_drafts_state_the_warranty_still_running_on_the_item_in_question(
    api: httpx.Client, world: None
) -> None:
    opened = conversation(
        api, "The zipper on the jacket from order W3000004 broke already", customer_id="ana"
    )
    drafts = api.get(f"/v1/conversations/{opened}/suggestions").json()["suggestions"]
    covered = [d for d in drafts if "under warranty until" in d["text"]]
    assert covered, [d["text"] for d in drafts]
    assert "Alpine Rain Jacket" in covered[0]["text"]
    assert any("warranty" in line for line in covered[0]["rationale"]) or covered[0][
        "source_id"
    ].startswith("warranty-covered")


def test_that_promotions_offered_are_those_the_customer_is_eligible_for(
    server: LiveServer, api: httpx.Client, world: None
) -> None:
    now = server.container.clock.now()
    with server.container.uow() as uow:
        uow.catalog.add_promotions(
            [
                Promotion(
                    id=PromotionId("PRM-T1"),
                    code="VIPONLY25",
                    description="VIP members: 25% off everything",
                    kind=PromotionKind.PERCENT_OFF,
                    value=25,
                    min_spend_cents=0,
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=10),
                    segment=Segment.VIP,
                ),
                Promotion(
                    id=PromotionId("PRM-T2"),
                    code="FIRSTTIME",
                    description="10% off your first order",
                    kind=PromotionKind.PERCENT_OFF,
                    value=10,
                    min_spend_cents=0,
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=10),
                    first_order_only=True,
                ),
            ]
        )
        uow.commit()
    question = "Are there any discount codes I could use on my next purchase?"
    vip = conversation(api, question, customer_id="dev")
    standard = conversation(api, question, customer_id="ana")
    vip_texts = [
        d["text"] for d in api.get(f"/v1/conversations/{vip}/suggestions").json()["suggestions"]
    ]
    standard_texts = [
        d["text"]
        for d in api.get(f"/v1/conversations/{standard}/suggestions").json()["suggestions"]
    ]
    assert any("VIPONLY25" in t for t in vip_texts), vip_texts
    assert not any("VIPONLY25" in t or "FIRSTTIME" in t for t in standard_texts)


def test_that_an_imported_macro_is_suggested_and_replaces_the_shipped_one_of_its_id(
    server: LiveServer, api: httpx.Client, world: None
) -> None:
    ours = "Thanks for shopping with us. Our Seattle store opens at 8am every day."
    with server.container.uow() as uow:
        uow.knowledge.upsert_macro(
            Macro(
                id="click-and-collect-ready",
                title="Our store hours",
                intents=("store_info",),
                language="en",
                text=ours,
                requires=(),
            ),
            origin="test",
            at=server.container.clock.now(),
        )
        uow.commit()
    opened = conversation(api, "What time does your Seattle store open?")
    drafts = api.get(f"/v1/conversations/{opened}/suggestions").json()["suggestions"]
    macros = {d["source_id"]: d["text"] for d in drafts if d["source"] == "macro"}
    assert macros.get("click-and-collect-ready") == ours, drafts


def test_that_a_conversation_without_a_customer_message_has_no_suggestions_yet(
    api: httpx.Client, world: None
) -> None:
    opened = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    answer = api.get(f"/v1/conversations/{opened}/suggestions")
    assert answer.status_code == 409
    assert "no_customer_message" in answer.text
    assert api.get("/v1/conversations/conv_missing/suggestions").status_code == 404

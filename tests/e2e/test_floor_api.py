"""Decisions, queues, agents, handoff and closing over HTTP."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cxops.domain.access import Role
from cxops.domain.ids import AgentId
from cxops.domain.workforce import Agent, AgentStatus, Skill
from tests.e2e.conftest import LiveServer

DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."


@pytest.fixture
def returns_agent(server: LiveServer) -> str:
    with server.container.uow() as uow:
        uow.workforce.add_agents(
            [
                Agent(
                    id=AgentId("agt_returns"),
                    name="Robin Returns",
                    email="robin@example.com",
                    languages=("en",),
                    skills=(Skill("returns_refunds", 4),),
                    max_concurrent=2,
                    status=AgentStatus.OFFLINE,
                )
            ]
        )
        uow.commit()
    return "agt_returns"


def contact(api: httpx.Client, text: str) -> tuple[str, dict[str, object]]:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()
    posted = api.post(f"/v1/conversations/{conversation['id']}/messages", json={"text": text})
    assert posted.status_code == 201, posted.text
    return str(conversation["id"]), posted.json()["decision"]


def test_that_a_posted_message_answers_with_its_decision_and_the_decision_explains_itself(
    api: httpx.Client,
) -> None:
    _, decision = contact(api, DAMAGED)
    assert set(decision) >= {"id", "outcome", "queue", "priority", "reasons"}
    assert decision["outcome"] == "queue"
    assert decision["queue"] == "q_returns_refunds"
    reasons = decision["reasons"]
    assert isinstance(reasons, list)
    assert all(set(r) == {"code", "text"} for r in reasons)

    explained = api.get(f"/v1/decisions/{decision['id']}")
    assert explained.status_code == 200
    body = explained.json()
    assert body["inputs"]["intent"] == "damaged_item"
    assert "retail-default" in body["policy_text"]
    assert body["policy_version"].startswith("retail-default@")


def test_that_queues_show_waiting_contacts_and_an_agent_coming_online_takes_them(
    api: httpx.Client, returns_agent: str
) -> None:
    conversation_id, _ = contact(api, DAMAGED)
    queues = {q["id"]: q for q in api.get("/v1/queues").json()["items"]}
    assert queues["q_returns_refunds"]["waiting"] == 1
    assert queues["q_returns_refunds"]["predicted_wait_seconds"] is None

    changed = api.put(f"/v1/agents/{returns_agent}/status", json={"status": "available"})
    assert changed.status_code == 200, changed.text
    assert [c["id"] for c in changed.json()["assigned"]] == [conversation_id]
    assert changed.json()["agent"]["active"] == 1

    handoff = api.get(f"/v1/conversations/{conversation_id}/handoff").json()
    assert handoff["queue"] == "q_returns_refunds"
    assert "summary" in handoff["packet"]

    closed = api.post(f"/v1/conversations/{conversation_id}/close", json={"outcome": "resolved"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    again = api.post(f"/v1/conversations/{conversation_id}/close", json={"outcome": "resolved"})
    assert again.status_code == 409
    assert api.get(f"/v1/agents/{returns_agent}").json()["active"] == 0


def test_that_taking_work_while_offline_is_refused(api: httpx.Client, returns_agent: str) -> None:
    refused = api.post(f"/v1/agents/{returns_agent}/next")
    assert refused.status_code == 409


def test_that_bad_status_changes_name_the_field(api: httpx.Client, returns_agent: str) -> None:
    bad = api.put(f"/v1/agents/{returns_agent}/status", json={"status": "asleep"})
    assert bad.status_code == 422
    assert "status" in bad.text
    too_many = api.put(
        f"/v1/agents/{returns_agent}/status", json={"status": "available", "capacity": 500}
    )
    assert too_many.status_code == 422
    assert "capacity" in too_many.text
    missing = api.put("/v1/agents/agt_nobody/status", json={"status": "available"})
    assert missing.status_code == 404


def test_that_auditors_may_look_but_not_change_the_floor(
    server: LiveServer, returns_agent: str
) -> None:
    with server.client(Role.AUDITOR) as auditor:
        assert auditor.get("/v1/queues").status_code == 200
        assert auditor.get("/v1/policies/active").status_code == 200
        changed = auditor.put(f"/v1/agents/{returns_agent}/status", json={"status": "available"})
        assert changed.status_code == 403


def test_that_a_conversation_without_a_handoff_says_so(api: httpx.Client) -> None:
    conversation_id, decision = contact(api, "where is my order W1000042")
    assert decision["outcome"] == "automate"
    assert api.get(f"/v1/conversations/{conversation_id}/handoff").status_code == 404


def test_that_a_transfer_moves_the_contact_to_another_queue_and_counts_in_its_facts(
    api: httpx.Client, returns_agent: str
) -> None:
    conversation_id, _ = contact(api, "I was charged twice for my last order, please fix it")
    moved = api.post(
        f"/v1/conversations/{conversation_id}/transfer",
        json={"queue_id": "q_returns_refunds", "reason": "needs a refund, not billing"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["queue_id"] == "q_returns_refunds"
    assert moved.json()["status"] == "queued"
    wrong = api.post(f"/v1/conversations/{conversation_id}/transfer", json={"queue_id": "q_mars"})
    assert wrong.status_code == 422
    assert "queue_id" in wrong.text

    taken = api.put(f"/v1/agents/{returns_agent}/status", json={"status": "available"})
    assert [c["id"] for c in taken.json()["assigned"]] == [conversation_id]
    api.post(f"/v1/conversations/{conversation_id}/close", json={"outcome": "resolved"})
    kinds = [d["kind"] for d in api.get(f"/v1/conversations/{conversation_id}").json()["decisions"]]
    assert "transfer" in kinds
    qa = api.get(f"/v1/conversations/{conversation_id}/qa").json()
    holds = next(c for c in qa["criteria"] if c["criterion_id"] == "transfers_and_holds")
    assert holds["passed"] is not None
    assert (
        api.post(
            f"/v1/conversations/{conversation_id}/transfer", json={"queue_id": "q_vip"}
        ).status_code
        == 409
    )


def test_that_holds_are_recorded_and_judged_by_qa(api: httpx.Client) -> None:
    conversation_id, _ = contact(api, "Can I speak to someone about my order please")
    now = datetime.now(UTC)
    bad = api.post(
        f"/v1/conversations/{conversation_id}/holds",
        json={"started_at": now.isoformat(), "ended_at": (now - timedelta(seconds=5)).isoformat()},
    )
    assert bad.status_code == 422
    assert "ended_at" in bad.text
    held = api.post(
        f"/v1/conversations/{conversation_id}/holds",
        json={
            "started_at": (now - timedelta(minutes=9)).isoformat(),
            "ended_at": (now - timedelta(minutes=1)).isoformat(),
        },
    )
    assert held.status_code == 201, held.text
    api.post(f"/v1/conversations/{conversation_id}/close", json={"outcome": "resolved"})
    qa = api.get(f"/v1/conversations/{conversation_id}/qa").json()
    holds = next(c for c in qa["criteria"] if c["criterion_id"] == "transfers_and_holds")
    assert holds["passed"] is False
    assert "480" in " ".join(e["note"] for e in holds["evidence"])

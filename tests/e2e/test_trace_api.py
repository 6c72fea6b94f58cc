"""The contact trace over HTTP: one conversation, bot to agent to survey, audited end to end."""

import re
from datetime import datetime

import httpx
import pytest

from cxops.domain.access import Role
from tests.e2e.conftest import LiveServer
from tests.selfservice_suite import load_suite, seed

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b")


@pytest.fixture
def world(server: LiveServer) -> None:
    seed(server.container.uow, load_suite().world)


def say(client: httpx.Client, conversation: str, text: str, role: str = "customer") -> None:
    posted = client.post(
        f"/v1/conversations/{conversation}/messages", json={"text": text, "role": role}
    )
    assert posted.status_code == 201, posted.text


def served(server: LiveServer) -> str:
    """Open a conversation the bot verifies and answers, a person then takes over with a
    suggestion's help and closes, and the customer rates; return its id."""
    with (
        server.client(Role.INTEGRATION) as channel,
        server.client(Role.AGENT) as agent,
    ):
        opened = str(channel.post("/v1/conversations", json={"channel": "chat"}).json()["id"])
        say(channel, opened, "Where is my order W3000002?")
        say(channel, opened, "ana.ruiz@example.com")
        say(channel, opened, "I want to speak to a person please")
        drafts = agent.get(f"/v1/conversations/{opened}/suggestions").json()["suggestions"]
        given = agent.post(
            f"/v1/suggestions/{drafts[0]['id']}/feedback", json={"action": "accepted"}
        )
        assert given.status_code == 200, given.text
        say(agent, opened, "Hi, this is Sam. Your parcel is on its way.", "agent")
        closed = agent.post(f"/v1/conversations/{opened}/close", json={"outcome": "resolved"})
        assert closed.status_code == 200, closed.text
        answered = channel.post(
            f"/v1/conversations/{opened}/survey",
            json={"score": 4, "comment": "Quick! Write to ana.ruiz@example.com"},
        )
        assert answered.status_code == 201, answered.text
    return opened


def test_that_every_step_of_a_contact_is_traced_in_time_order(
    server: LiveServer, world: None
) -> None:
    opened = served(server)
    with server.client(Role.AUDITOR) as auditor:
        traced = auditor.get(f"/v1/conversations/{opened}/trace")
    assert traced.status_code == 200, traced.text
    body = traced.json()

    header = body["conversation"]
    assert header["id"] == opened
    assert header["channel"] == "chat"
    assert header["status"] == "closed"
    assert header["outcome"] == "resolved"
    assert header["customer_id"], "the bot linked the customer it verified"
    assert header["queue"] is not None

    events = body["events"]
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times)
    steps = [e["detail"]["kind"] if e["kind"] == "decision" else e["kind"] for e in events]
    story = [
        "opened",
        "message",
        "triage",
        "routing",
        "selfservice",
        "handoff",
        "suggestion",
        "feedback",
        "closed",
        "qa",
        "survey",
    ]
    first = [steps.index(step) for step in story]
    assert first == sorted(first)

    messages = [e for e in events if e["kind"] == "message"]
    assert [m["detail"]["role"] for m in messages if m["detail"]["role"] != "bot"] == [
        "customer",
        "customer",
        "customer",
        "agent",
    ]
    customer = [m for m in messages if m["detail"]["role"] == "customer"]
    for message in customer:
        following = events[events.index(message) + 1]
        assert (following["kind"], following["ref"]) == ("triage", message["ref"])
    assert customer[1]["detail"]["text"] == "[EMAIL]"
    email_triage = events[events.index(customer[1]) + 1]["detail"]
    assert email_triage["pii_types"] == ["email"]
    assert email_triage["model_versions"]["intent"]
    verified = next(e for e in events if e["summary"].startswith("selfservice: verified"))
    assert verified["detail"]["reasons"][0]["code"] == "identity_verified"
    routing = next(e for e in events if e["summary"].startswith("routing: queue"))
    assert routing["detail"]["policy_version"]
    assert routing["detail"]["queue"] == header["queue"]
    handoff = next(e for e in events if e["kind"] == "handoff")
    assert handoff["detail"]["decision_id"] == routing["ref"]
    assert handoff["detail"]["summary"]
    feedback = next(e for e in events if e["kind"] == "feedback")
    shown = next(e for e in events if e["kind"] == "suggestion" and e["ref"] == feedback["ref"])
    assert shown["detail"]["rank"] == 1
    assert feedback["detail"]["action"] == "accepted"
    qa = next(e for e in events if e["kind"] == "qa")
    assert qa["detail"]["handled_by"] == "agent"
    assert qa["detail"]["scorecard_version"]
    survey = next(e for e in events if e["kind"] == "survey")["detail"]
    assert survey == {"score": 4, "comment": "Quick! Write to [EMAIL]"}


def test_that_a_trace_shows_no_email_and_an_unknown_conversation_is_404(
    server: LiveServer, world: None
) -> None:
    opened = served(server)
    with server.client(Role.ANALYST) as analyst:
        traced = analyst.get(f"/v1/conversations/{opened}/trace")
        missing = analyst.get("/v1/conversations/conv_missing/trace")
    assert traced.status_code == 200, traced.text
    assert EMAIL.search(traced.text) is None
    assert "ana.ruiz" not in traced.text
    assert "[EMAIL]" in traced.text
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"

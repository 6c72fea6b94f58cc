"""Quality over HTTP: every closed conversation is scored, bot or person alike, with evidence;
reviewers record verdicts and disputes; the scorer's agreement with them; surveys."""

import httpx
import pytest

from cxops.domain.access import Role
from tests.e2e.conftest import LiveServer
from tests.selfservice_suite import load_suite, seed


@pytest.fixture
def world(server: LiveServer) -> None:
    seed(server.container.uow, load_suite().world)


def say(api: httpx.Client, conversation: str, text: str, role: str = "customer") -> dict:
    posted = api.post(
        f"/v1/conversations/{conversation}/messages", json={"text": text, "role": role}
    )
    posted.raise_for_status()
    return dict(posted.json())


def test_that_a_conversation_the_bot_resolved_is_scored_when_the_customer_is_done(
    api: httpx.Client, world: None
) -> None:
    opened = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    say(api, opened, "Where is my order W3000002?")
    say(api, opened, "ana.ruiz@example.com")
    say(api, opened, "great, that's all, thanks!")
    assert api.get(f"/v1/conversations/{opened}").json()["status"] == "closed"

    qa = api.get(f"/v1/conversations/{opened}/qa")
    assert qa.status_code == 200, qa.text
    body = qa.json()
    assert body["handled_by"] == "bot"
    assert (
        body["scorecard_version"].startswith("retail-default@") or "@" in body["scorecard_version"]
    )
    criteria = {c["criterion_id"]: c for c in body["criteria"]}
    assert criteria["identity_before_action"]["passed"] in (True, None)
    assert criteria["no_prohibited_content"]["passed"] is True
    assert body["score"] is not None
    assert 0 <= body["score"] <= 100
    assert all(c["evidence"] for c in body["criteria"] if c["passed"] is False)


def test_that_an_agent_conversation_is_scored_on_close_and_reviews_feed_agreement(
    server: LiveServer, world: None
) -> None:
    with (
        server.client(Role.AGENT) as agent,
        server.client(Role.ANALYST) as analyst,
        server.client(Role.INTEGRATION) as channel,
    ):
        opened = channel.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
        say(channel, opened, "I want to speak to a person about a damaged parcel")
        say(agent, opened, "Hi, I'm sorry to hear that. I guarantee we will fix it.", "agent")
        assert agent.get(f"/v1/conversations/{opened}/qa").status_code == 409
        closed = agent.post(f"/v1/conversations/{opened}/close", json={"outcome": "resolved"})
        assert closed.status_code == 200, closed.text

        body = agent.get(f"/v1/conversations/{opened}/qa").json()
        assert body["handled_by"] == "agent"
        prohibited = next(
            c for c in body["criteria"] if c["criterion_id"] == "no_prohibited_content"
        )
        assert prohibited["passed"] is False
        assert body["auto_failed"] is True
        span = prohibited["evidence"][0]["span"]
        assert span is not None

        refused = agent.post(
            f"/v1/conversations/{opened}/qa/reviews", json={"verdicts": {"greeting": True}}
        )
        assert refused.status_code == 403
        unknown = analyst.post(
            f"/v1/conversations/{opened}/qa/reviews", json={"verdicts": {"politeness": True}}
        )
        assert unknown.status_code == 422
        assert "verdicts.politeness" in unknown.text
        reviewed = analyst.post(
            f"/v1/conversations/{opened}/qa/reviews",
            json={
                "verdicts": {"no_prohibited_content": False, "greeting": True},
                "disputes": {"closing": "the agent did close properly, in other words"},
            },
        )
        assert reviewed.status_code == 201, reviewed.text
        again = agent.get(f"/v1/conversations/{opened}/qa").json()
        assert again["reviews"][0]["disputes"]["closing"].startswith("the agent")

        rows = {r["criterion_id"]: r for r in analyst.get("/v1/qa/agreement").json()}
        assert rows["no_prohibited_content"]["n"] == 1
        assert rows["no_prohibited_content"]["observed"] == 1.0


def test_that_a_survey_is_answered_once_and_validated(api: httpx.Client, world: None) -> None:
    opened = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    say(api, opened, "hello")
    api.post(f"/v1/conversations/{opened}/close", json={"outcome": "resolved"}).raise_for_status()
    bad = api.post(f"/v1/conversations/{opened}/survey", json={"score": 9})
    assert bad.status_code == 422
    assert "score" in bad.text
    first = api.post(
        f"/v1/conversations/{opened}/survey",
        json={"score": 4, "comment": "quick! write to me at ana.ruiz@example.com"},
    )
    assert first.status_code == 201, first.text
    assert first.json()["comment"] == "quick! write to me at [EMAIL]"
    assert api.get(f"/v1/conversations/{opened}").json()["csat"] == 4
    second = api.post(f"/v1/conversations/{opened}/survey", json={"score": 1})
    assert second.status_code == 409
    assert "survey_answered" in second.text

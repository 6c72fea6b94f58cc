"""The agent workspace over HTTP: the desk, taking work, the conversation with its panels,
replying from a suggestion, ignoring one, closing, live events and who may open what."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from cxops.domain.access import Role
from cxops.domain.ids import AgentId, SuggestionId
from cxops.domain.workforce import Agent, AgentStatus, Skill
from tests.e2e.conftest import LiveServer
from tests.e2e.test_console import csrf_token, sign_in
from tests.selfservice_suite import load_suite, seed

DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."


def _agent(server: LiveServer, agent_id: str, *, status: AgentStatus) -> None:
    with server.container.uow() as uow:
        uow.workforce.add_agents(
            [
                Agent(
                    id=AgentId(agent_id),
                    name=f"Agent {agent_id}",
                    email=f"{agent_id}@example.com",
                    languages=("en",),
                    skills=(Skill("returns_refunds", 4),),
                    max_concurrent=2,
                    status=status,
                )
            ]
        )
        uow.commit()


@contextmanager
def _console(server: LiveServer, role: Role, *, agent: str | None) -> Iterator[httpx.Client]:
    """A signed-in console client whose user works as `agent`."""
    email, password = server.user(role)
    if agent is not None:
        with server.container.uow() as uow:
            user = uow.access.find_user_by_email(email)
            assert user is not None
            uow.workforce.link_user(AgentId(agent), user.id)
            uow.commit()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert sign_in(client, email=email, password=password).status_code == 303
        yield client


@pytest.fixture
def agent(server: LiveServer) -> Iterator[httpx.Client]:
    _agent(server, "agt_ws", status=AgentStatus.OFFLINE)
    with _console(server, Role.AGENT, agent="agt_ws") as client:
        yield client


def _waiting_contact(api: httpx.Client) -> str:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()
    posted = api.post(f"/v1/conversations/{conversation['id']}/messages", json={"text": DAMAGED})
    assert posted.json()["decision"]["queue"] == "q_returns_refunds"
    return str(conversation["id"])


def _post(client: httpx.Client, path: str, page: httpx.Response, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_token(page), **data})


def _available(agent: httpx.Client) -> httpx.Response:
    desk = agent.get("/console/workspace")
    return _post(agent, "/console/workspace/status", desk, status="available")


def test_that_the_desk_shows_what_waits_and_becoming_available_brings_the_work(
    agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    desk = agent.get("/console/workspace")
    assert desk.status_code == 200
    assert "Waiting in my queues (1)" in desk.text
    assert "My conversations (0)" in desk.text

    assert _available(agent).status_code == 303
    desk = agent.get("/console/workspace")
    assert "My conversations (1)" in desk.text
    assert f'href="/console/workspace/{conversation_id}"' in desk.text


def test_that_take_next_opens_the_next_conversation_or_says_why_not(
    server: LiveServer, agent: httpx.Client, api: httpx.Client
) -> None:
    desk = agent.get("/console/workspace")
    refused = _post(agent, "/console/workspace/next", desk)
    assert refused.headers["location"] == "/console/workspace?notice=agent_not_available"
    assert "Set yourself available" in agent.get(refused.headers["location"]).text

    _available(agent)
    nothing = _post(agent, "/console/workspace/next", agent.get("/console/workspace"))
    assert nothing.headers["location"] == "/console/workspace?notice=nothing-waiting"

    with server.container.uow() as uow:  # full: a new contact waits instead of being assigned
        uow.workforce.set_agent_state(AgentId("agt_ws"), status=AgentStatus.AWAY)
        uow.commit()
    conversation_id = _waiting_contact(api)
    _available(agent)
    assert "My conversations (1)" in agent.get("/console/workspace").text
    assert conversation_id in agent.get("/console/workspace").text


def test_that_the_conversation_shows_the_transcript_handoff_and_masked_customer(
    agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    _available(agent)
    page = agent.get(f"/console/workspace/{conversation_id}")
    assert page.status_code == 200
    assert DAMAGED.replace("'", "&#39;") in page.text
    assert "Why a person" in page.text
    assert "Not identified yet." in page.text
    assert f'sse-connect="/console/workspace/{conversation_id}/events"' in page.text


def test_that_a_reply_sent_from_a_suggestion_is_stored_once_and_counted_as_accepted(
    server: LiveServer, agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    _available(agent)
    page = agent.get(f"/console/workspace/{conversation_id}")

    assist = agent.get(f"/console/workspace/{conversation_id}/assist")
    assert assist.status_code == 200
    ids = re.findall(r'id="suggestion-([^"]+)"', assist.text)
    assert ids, assist.text
    composer = agent.get(
        f"/console/workspace/{conversation_id}/composer", params={"suggestion": ids[0]}
    )
    drafted = re.search(r"<textarea[^>]*>([^<]+)</textarea>", composer.text)
    assert drafted is not None
    nonce = re.search(r'name="nonce" value="([^"]+)"', composer.text)
    assert nonce is not None
    text = drafted.group(1).replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')

    for _ in range(2):  # a double submit sends one message
        sent = _post(
            agent,
            f"/console/workspace/{conversation_id}/reply",
            page,
            text=text,
            suggestion=ids[0],
            nonce=nonce.group(1),
        )
        assert sent.status_code == 200, sent.text
        assert 'hx-swap-oob="true"' in sent.text
    messages = api.get(f"/v1/conversations/{conversation_id}").json()["messages"]
    assert [m["role"] for m in messages].count("agent") == 1
    assert messages[-1]["text"] == text
    with server.container.uow() as uow:
        given = uow.suggestions.feedback(SuggestionId(ids[0]))
    assert given is not None
    assert given.action.value == "accepted"


def test_that_an_edited_draft_counts_as_edited_and_an_empty_reply_is_refused(
    server: LiveServer, agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    _available(agent)
    page = agent.get(f"/console/workspace/{conversation_id}")
    ids = re.findall(
        r'id="suggestion-([^"]+)"', agent.get(f"/console/workspace/{conversation_id}/assist").text
    )
    empty = _post(agent, f"/console/workspace/{conversation_id}/reply", page, text="  ", nonce="n1")
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text

    edited = _post(
        agent,
        f"/console/workspace/{conversation_id}/reply",
        page,
        text="So sorry about the lamp: I'm sending a replacement today.",
        suggestion=ids[0],
        nonce="n2",
    )
    assert edited.status_code == 200
    ignored = _post(
        agent, f"/console/workspace/{conversation_id}/suggestions/{ids[1]}/ignore", page
    )
    assert ignored.status_code == 200
    again = _post(agent, f"/console/workspace/{conversation_id}/suggestions/{ids[1]}/ignore", page)
    assert again.status_code == 409
    with server.container.uow() as uow:
        first = uow.suggestions.feedback(SuggestionId(ids[0]))
        second = uow.suggestions.feedback(SuggestionId(ids[1]))
    assert first is not None
    assert first.action.value == "edited"
    assert second is not None
    assert second.action.value == "ignored"


def test_that_closing_needs_an_outcome_then_closes_and_scores(
    server: LiveServer, agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    _available(agent)
    page = agent.get(f"/console/workspace/{conversation_id}")
    wrong = _post(agent, f"/console/workspace/{conversation_id}/close", page, outcome="done")
    assert wrong.status_code == 422
    assert "outcome must be one of" in wrong.text

    closed = _post(agent, f"/console/workspace/{conversation_id}/close", page, outcome="resolved")
    assert closed.headers["location"] == "/console/workspace?notice=closed"
    body = api.get(f"/v1/conversations/{conversation_id}").json()
    assert body["status"] == "closed"
    assert body["outcome"] == "resolved"
    assert api.get(f"/v1/conversations/{conversation_id}/qa").status_code == 200
    again = _post(agent, f"/console/workspace/{conversation_id}/close", page, outcome="resolved")
    assert again.status_code == 409


def test_that_an_agent_may_not_open_someone_elses_conversation_but_a_supervisor_may(
    server: LiveServer, agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    _agent(server, "agt_other", status=AgentStatus.OFFLINE)
    with _console(server, Role.AGENT, agent="agt_other") as other:
        refused = other.get(f"/console/workspace/{conversation_id}")
        assert refused.status_code == 403
        assert "not assigned to you" in refused.text
        assert other.get(f"/console/workspace/{conversation_id}/events").status_code == 403
    with _console(server, Role.SUPERVISOR, agent=None) as supervisor:
        assert supervisor.get(f"/console/workspace/{conversation_id}").status_code == 200
        assert "Not linked to an agent" in supervisor.get("/console/workspace").text
    with _console(server, Role.AUDITOR, agent=None) as auditor:
        assert auditor.get("/console/workspace").status_code == 403
    assert agent.get("/console/workspace/conv_missing").status_code == 404


def test_that_the_conversation_events_stream_the_transcript_and_the_suggest_signal(
    agent: httpx.Client, api: httpx.Client
) -> None:
    conversation_id = _waiting_contact(api)
    _available(agent)
    with agent.stream("GET", f"/console/workspace/{conversation_id}/events") as events:
        assert events.status_code == 200
        assert events.headers["content-type"].startswith("text/event-stream")
        seen = ""
        for chunk in events.iter_text():
            seen += chunk
            if "event: suggest" in seen:
                break
    assert "event: transcript" in seen
    assert "shattered" in seen
    assert "event: state" in seen


def test_that_the_customer_panel_is_masked_for_an_agent_and_whole_for_a_supervisor(
    server: LiveServer, agent: httpx.Client, api: httpx.Client
) -> None:
    seed(server.container.uow, load_suite().world)
    opened = api.post("/v1/conversations", json={"channel": "chat", "customer_id": "ana"}).json()
    api.post(f"/v1/conversations/{opened['id']}/messages", json={"text": DAMAGED})
    _available(agent)
    shown = agent.get(f"/console/workspace/{opened['id']}").text
    assert "a•••@example.com" in shown
    assert "ana.ruiz@example.com" not in shown
    assert "W3000002" in shown
    with _console(server, Role.SUPERVISOR, agent=None) as supervisor:
        assert "ana.ruiz@example.com" in supervisor.get(f"/console/workspace/{opened['id']}").text

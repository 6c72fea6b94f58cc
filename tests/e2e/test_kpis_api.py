"""KPIs over HTTP and as a report from the CLI, computed from conversations that went through
the real pipeline."""

from pathlib import Path

import httpx
import pytest

from cxops.domain.access import Role
from tests.e2e.conftest import LiveServer
from tests.e2e.test_cli import cxops
from tests.e2e.test_quality_api import say
from tests.e2e.test_restart import cxops_env
from tests.selfservice_suite import load_suite, seed


@pytest.fixture
def world(server: LiveServer) -> None:
    seed(server.container.uow, load_suite().world)


def contained(api: httpx.Client, channel: str) -> str:
    opened = api.post("/v1/conversations", json={"channel": channel}).json()["id"]
    say(api, opened, "Where is my order W3000002?")
    say(api, opened, "ana.ruiz@example.com")
    say(api, opened, "perfect, that's all, thanks")
    return str(opened)


def escalated(api: httpx.Client) -> str:
    opened = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    say(api, opened, "Where is my order W3000002?")
    say(api, opened, "ana.ruiz@example.com")
    say(api, opened, "this is useless, I want to talk to a human agent now")
    say(api, opened, "Hello, can you give me your email address please?", "agent")
    api.post(f"/v1/conversations/{opened}/close", json={"outcome": "resolved"}).raise_for_status()
    return str(opened)


def test_that_kpis_count_containment_escalation_and_csat_by_channel(
    server: LiveServer, api: httpx.Client, world: None
) -> None:
    bot = contained(api, "chat")
    contained(api, "sms")
    person = escalated(api)
    api.post(f"/v1/conversations/{bot}/survey", json={"score": 5}).raise_for_status()
    api.post(f"/v1/conversations/{person}/survey", json={"score": 2}).raise_for_status()

    with server.client(Role.AGENT) as agent:
        assert agent.get("/v1/kpis").status_code == 403
    with server.client(Role.ANALYST) as analyst:
        total = analyst.get("/v1/kpis").json()
        by_channel = analyst.get("/v1/kpis", params={"by": "channel"}).json()
        bad = analyst.get("/v1/kpis", params={"by": "planet"})
    assert bad.status_code == 422
    whole = next(r for r in total["rows"] if r["period_start"] is None)["kpis"]
    assert whole["contacts"] == 3
    assert whole["containment"] == pytest.approx(2 / 3, abs=1e-3)
    assert whole["escalation_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert whole["escalation_success"] == 0.0
    assert whole["csat"] == pytest.approx(3.5)
    assert whole["ai_latency_p50_ms"] is not None
    channels = {r["key"]: r["kpis"] for r in by_channel["rows"] if r["period_start"] is None}
    assert channels["sms"]["containment"] == 1.0
    assert channels["sms"]["csat"] is None
    assert channels["chat"]["contacts"] == 2


def test_that_the_kpi_report_is_written_as_html_and_png(
    server: LiveServer, api: httpx.Client, world: None, database_url: str, tmp_path: Path
) -> None:
    contained(api, "chat")
    env = cxops_env(database_url, tmp_path, 8000, tmp_path / "models")
    html = cxops(env, "report", "kpis", "--since", "2d", "-o", str(tmp_path / "k.html"))
    assert html.returncode == 0, html.stderr
    assert "1 contacts" in html.stderr
    page = (tmp_path / "k.html").read_text()
    assert "Containment" in page or "containment" in page
    png = cxops(env, "report", "kpis", "--format", "png", "-o", str(tmp_path / "k.png"))
    assert png.returncode == 0, png.stderr
    assert (tmp_path / "k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = cxops(env, "report", "kpis", "--since", "last tuesday")
    assert wrong.returncode == 1
    assert "--since" in wrong.stderr


def test_that_bad_kpi_periods_and_labels_are_refused_naming_the_field(
    server: LiveServer, api: httpx.Client, world: None
) -> None:
    upside_down = api.get(
        "/v1/kpis",
        params={"since": "2026-11-20T00:00:00+00:00", "until": "2026-11-10T00:00:00+00:00"},
    )
    assert upside_down.status_code == 422
    assert "since" in upside_down.text
    contained(api, "chat")
    sample = api.get("/v1/labels/sample", params={"size": 5}).json()
    assert sample
    unknown = api.post("/v1/labels", json={"message_id": "msg_nope", "intent": "order_status"})
    assert unknown.status_code == 404
    wrong = api.post(
        "/v1/labels", json={"message_id": sample[0]["message_id"], "intent": "teleport"}
    )
    assert wrong.status_code == 422
    assert "intent" in wrong.text
    right = api.post(
        "/v1/labels", json={"message_id": sample[0]["message_id"], "intent": "order_status"}
    )
    assert right.status_code == 204
    with server.client(Role.AGENT) as agent:
        assert (
            agent.post(
                "/v1/labels", json={"message_id": sample[0]["message_id"], "intent": "order_status"}
            ).status_code
            == 403
        )

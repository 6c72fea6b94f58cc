"""Running the dispatcher: in the API server for its lifetime, and as `cxops webhooks deliver`."""

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cxops.api.app import create_app
from cxops.bootstrap import bootstrap
from cxops.connectors.clock import SystemClock
from cxops.connectors.webhooks import BackgroundDispatcher
from cxops.domain.access import Role
from cxops.governance.api_keys import issue_key
from cxops.settings import Settings
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.webhooks import publish, subscribe
from tests.e2e.test_cli import cxops
from tests.e2e.test_restart import cxops_env
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def dispatcher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == BackgroundDispatcher.THREAD_NAME]


def test_that_the_server_delivers_in_the_background_and_stops_with_it(
    database_url: str, engine: Engine, tmp_path: Path, receiver: Receiver
) -> None:
    settings = Settings(database_url=database_url, data_dir=tmp_path, webhook_poll_seconds=0.05)
    container = bootstrap(settings)
    with container.uow() as uow:
        token = issue_key(uow, clock=container.clock, role=Role.ADMIN, name="test").token
        uow.commit()
    try:
        with TestClient(create_app(container)) as client:
            assert len(dispatcher_threads()) == 1
            created = client.post(
                "/v1/webhooks",
                json={"url": receiver.url, "topics": ["conversation.closed"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201
            with container.uow() as uow:
                publish(
                    uow,
                    topic="conversation.closed",
                    payload={"conversation_id": "cnv_1"},
                    at=container.clock.now(),
                )
                uow.commit()
            (receipt,) = receiver.wait_for(1)
            assert receipt.headers["x-cxops-event"] == "conversation.closed"
        assert dispatcher_threads() == []
    finally:
        container.engine.dispose()


def test_that_a_server_configured_without_the_dispatcher_starts_none(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url, data_dir=tmp_path, webhook_dispatcher=False)
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            assert client.get("/healthz").status_code == 200
            assert dispatcher_threads() == []
    finally:
        container.engine.dispose()


@pytest.fixture
def env(database_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    return cxops_env(database_url, tmp_path, 8000, tmp_path / "models") | {
        "CXOPS_WEBHOOK_BACKOFF_BASE_SECONDS": "0.001"
    }


def subscribe_and_publish(engine: Engine, url: str) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    now = SystemClock().now()
    with uow_factory() as uow:
        subscribe(uow, url=url, topics=["*"], at=now)
        publish(uow, topic="handoff.created", payload={"handoff_id": "hnd_1"}, at=now)
        uow.commit()


def test_that_deliver_once_sends_what_is_due_and_exits(
    env: dict[str, str], engine: Engine, receiver: Receiver
) -> None:
    receiver.failures = 1
    subscribe_and_publish(engine, receiver.url)

    first = cxops(env, "webhooks", "deliver", "--once")
    assert first.returncode == 0, first.stderr
    assert "delivered 0, retrying 1, dead 0" in first.stderr

    second = cxops(env, "webhooks", "deliver", "--once")
    assert second.returncode == 0, second.stderr
    assert "delivered 1, retrying 0, dead 0" in second.stderr
    assert [r.answered for r in receiver.receipts] == [500, 200]


def test_that_deliver_runs_until_terminated(
    env: dict[str, str], engine: Engine, receiver: Receiver
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cxops", "webhooks", "deliver"],
        env=env | {"CXOPS_WEBHOOK_POLL_SECONDS": "0.05"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        subscribe_and_publish(engine, receiver.url)
        receiver.wait_for(1, timeout=60)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "delivering webhooks" in stderr

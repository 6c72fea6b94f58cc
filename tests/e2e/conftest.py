"""A real cxops server on a loopback port, once per database backend, driven over HTTP."""

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from cxops.api.app import create_app
from cxops.bootstrap import Container, bootstrap
from cxops.domain.access import Role
from cxops.governance.api_keys import issue_key
from cxops.governance.users import create_user
from cxops.logs import configure_logging
from cxops.settings import Settings
from cxops.triage.engine import TriageEngine


@dataclass(frozen=True)
class LiveServer:
    url: str
    container: Container

    def key(self, role: Role) -> str:
        """Issue a fresh API key with `role`."""
        with self.container.uow() as uow:
            issued = issue_key(uow, clock=self.container.clock, role=role, name=f"test-{role}")
            uow.commit()
        return issued.token

    def user(self, role: Role) -> tuple[str, str]:
        """Create a console user with `role`; returns their email and password."""
        email = f"{role.value}-{secrets.token_hex(4)}@example.com"
        password = f"pw-{secrets.token_urlsafe(12)}"
        with self.container.uow() as uow:
            create_user(
                uow,
                clock=self.container.clock,
                email=email,
                name=f"Test {role.value.title()}",
                role=role,
                password=password,
            )
            uow.commit()
        return email, password

    def client(self, role: Role = Role.ADMIN) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.key(role)}"},
            timeout=30,
        )


@pytest.fixture(scope="session")
def live_server(
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    model_dir: Path,
    triage_engine: TriageEngine,
) -> Iterator[LiveServer]:
    configure_logging("warning")
    data_dir: Path = tmp_path_factory.mktemp("data")
    # No background webhook dispatcher or monitor: they would live for the whole session and
    # take the deliveries (or publish alerts) of tests that drive their own.
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        model_dir=model_dir,
        max_body_bytes=65_536,
        webhook_dispatcher=False,
        monitor_interval_seconds=0,
        widget_enabled=True,
    )
    container = bootstrap(settings, triage=triage_engine)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    yield LiveServer(url=f"http://127.0.0.1:{port}", container=container)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    container.engine.dispose()


@pytest.fixture
def server(live_server: LiveServer, engine: Engine) -> LiveServer:
    """The live server over freshly emptied tables and the shipped routing policy."""
    live_server.container.floor.ensure_policy()
    return live_server


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client holding an admin key."""
    with server.client(Role.ADMIN) as client:
        yield client

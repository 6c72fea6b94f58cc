"""Connecting a real order system: the `order_system_config` setting, the API's answer while the
order system is down, and the CLI's answer to a broken config."""

import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cxops.api.app import create_app
from cxops.bootstrap import Container, bootstrap
from cxops.connectors.rest_order_system import RestOrderSystem
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.domain.access import Role
from cxops.governance.api_keys import issue_key
from cxops.settings import Settings
from tests.e2e.test_restart import cxops_env

EXAMPLE = files("cxops.data") / "connectors" / "rest_order_system.example.yaml"


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dead_order_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example config, pointed at a loopback port where nothing listens."""
    config = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    config["base_url"] = f"http://127.0.0.1:{unused_port()}/api"
    config["retries"] = {"max_attempts": 2, "backoff_base_seconds": 0.01}
    path = tmp_path / "oms.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("ACME_OMS_TOKEN", "secret")
    return path


@pytest.fixture
def container(
    database_url: str, engine: Engine, tmp_path: Path, dead_order_system: Path
) -> Iterator[Container]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        webhook_dispatcher=False,
        order_system_config=dead_order_system,
    )
    wired = bootstrap(settings)
    yield wired
    assert isinstance(wired.orders, RestOrderSystem)
    wired.orders.close()
    wired.engine.dispose()


def test_that_the_embedded_store_serves_unless_an_order_system_is_configured(
    tmp_path: Path, dead_order_system: Path
) -> None:
    embedded = bootstrap(Settings(data_dir=tmp_path))
    assert isinstance(embedded.orders, SqlOrderStore)
    remote = bootstrap(Settings(data_dir=tmp_path, order_system_config=dead_order_system))
    assert isinstance(remote.orders, RestOrderSystem)
    remote.orders.close()
    for wired in (embedded, remote):
        wired.engine.dispose()


def test_that_the_api_answers_503_while_the_order_system_is_unavailable(
    container: Container,
) -> None:
    with container.uow() as uow:
        issued = issue_key(uow, clock=container.clock, role=Role.AGENT, name="agent")
        uow.commit()
    client = TestClient(create_app(container))
    answer = client.get(
        "/v1/customers/C100001", headers={"Authorization": f"Bearer {issued.token}"}
    )
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "order_system_unavailable"
    assert "find_customer (connection_failed)" in error["message"]


def test_that_the_cli_refuses_a_broken_order_system_config_naming_line_and_field(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "oms.yaml"
    broken.write_text(EXAMPLE.read_text(encoding="utf-8").replace("money: decimal", "money: $"))
    lines = broken.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("  money: $"))
    env = cxops_env(f"sqlite:///{tmp_path / 'cxops.db'}", tmp_path, 8000, tmp_path / "models")
    env |= {"CXOPS_ORDER_SYSTEM_CONFIG": str(broken), "ACME_OMS_TOKEN": "secret"}
    done = subprocess.run(
        [sys.executable, "-m", "cxops", "db", "upgrade"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert f"oms.yaml:{line}: mapping.money: Input should be 'cents' or 'decimal'" in done.stderr
    assert "Traceback" not in done.stderr

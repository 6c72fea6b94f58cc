"""A crash of the server loses nothing it acknowledged."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from cxops.triage.engine import TriageEngine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cxops_env(database_url: str, data_dir: Path, port: int, model_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXOPS_")}
    env |= {
        "CXOPS_DATABASE_URL": database_url,
        "CXOPS_DATA_DIR": str(data_dir),
        "CXOPS_MODEL_DIR": str(model_dir),
        "CXOPS_PORT": str(port),
        "CXOPS_LOG_LEVEL": "warning",
    }
    return env


def run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cxops", *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cxops", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{env['CXOPS_PORT']}/readyz"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become ready")


@pytest.fixture
def env(
    database_url: str, engine: Engine, tmp_path: Path, triage_engine: TriageEngine, model_dir: Path
) -> dict[str, str]:
    return cxops_env(database_url, tmp_path, free_port(), model_dir)


def test_that_a_killed_server_restarts_with_every_acknowledged_message(
    env: dict[str, str],
) -> None:
    token = run_cli(env, "keys", "create", "--role", "integration")
    assert token.startswith("cxk_")
    base = f"http://127.0.0.1:{env['CXOPS_PORT']}"
    headers = {"Authorization": f"Bearer {token}"}

    server = start_server(env)
    try:
        conversation = httpx.post(
            f"{base}/v1/conversations", json={"channel": "chat"}, headers=headers
        ).json()["id"]
        for n in range(20):
            response = httpx.post(
                f"{base}/v1/conversations/{conversation}/messages",
                json={"text": f"message {n}"},
                headers=headers | {"Idempotency-Key": f"m-{n}"},
            )
            assert response.status_code == 201
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()

    server = start_server(env)
    try:
        stored = httpx.get(f"{base}/v1/conversations/{conversation}", headers=headers).json()
        retry = httpx.post(
            f"{base}/v1/conversations/{conversation}/messages",
            json={"text": "message 19"},
            headers=headers | {"Idempotency-Key": "m-19"},
        )
        after = httpx.get(f"{base}/v1/conversations/{conversation}", headers=headers).json()
    finally:
        server.terminate()
        server.wait()

    customer = [m["text"] for m in stored["messages"] if m["role"] == "customer"]
    assert customer == [f"message {n}" for n in range(20)]
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(after["messages"]) == len(stored["messages"])

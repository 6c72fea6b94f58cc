"""`cxops users create`: console accounts from the command line, as an administrator would."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cxops.domain.access import Role
from cxops.governance.users import authenticate_user
from cxops.store.uow import SqlUnitOfWorkFactory
from tests.e2e.test_restart import cxops_env

PASSWORD = "a long shift password"


@pytest.fixture
def env(database_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    return cxops_env(database_url, tmp_path, 8000, tmp_path / "models") | {"COLUMNS": "200"}


LEE = ("--email", "Lee@Example.com", "--name", "Lee Park", "--role", "supervisor")


def create(env: dict[str, str], password: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxops", "users", "create", *LEE, *extra],
        env=env,
        input=password,
        capture_output=True,
        text=True,
    )


def test_that_a_user_created_with_a_password_on_stdin_can_sign_in(
    env: dict[str, str], uow_factory: SqlUnitOfWorkFactory
) -> None:
    done = create(env, PASSWORD + "\n", "--password-stdin")
    assert done.returncode == 0, done.stderr
    assert "created supervisor lee@example.com" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr

    with uow_factory() as uow:
        user = authenticate_user(uow, email="lee@example.com", password=PASSWORD)
    assert (user.name, user.role) == ("Lee Park", Role.SUPERVISOR)


def test_that_the_password_prompt_asks_twice_and_hides_it(
    env: dict[str, str], uow_factory: SqlUnitOfWorkFactory
) -> None:
    done = create(env, f"{PASSWORD}\n{PASSWORD}\n")
    assert done.returncode == 0, done.stderr
    assert "Repeat for confirmation" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_that_a_short_password_and_a_taken_email_are_clear_errors(env: dict[str, str]) -> None:
    short = create(env, "short\n", "--password-stdin")
    assert short.returncode == 2
    assert "password: must be at least 12 characters" in short.stderr

    assert create(env, PASSWORD, "--password-stdin").returncode == 0
    again = create(env, PASSWORD, "--password-stdin")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr

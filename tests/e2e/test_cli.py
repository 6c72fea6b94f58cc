"""The `cxops` command line, run as a user would run it."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.e2e.test_restart import cxops_env


def cxops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxops", *args], env=env, capture_output=True, text=True
    )


@pytest.fixture
def env(database_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    return cxops_env(database_url, tmp_path, 8000, tmp_path / "models")


def test_that_keys_create_prints_only_the_key(env: dict[str, str]) -> None:
    done = cxops(env, "keys", "create", "--role", "auditor", "--name", "audit team")
    assert done.returncode == 0
    assert done.stdout.count("\n") == 1
    assert done.stdout.startswith("cxk_")

    listed = cxops(env, "keys", "list")
    assert "auditor" in listed.stdout
    assert done.stdout.strip().split("_", 2)[2] not in listed.stdout


def test_that_an_unknown_role_is_refused(env: dict[str, str]) -> None:
    done = cxops(env, "keys", "create", "--role", "overlord")
    assert done.returncode == 2
    assert "overlord" in done.stderr


def test_that_seeding_twice_refuses_the_second_time(env: dict[str, str]) -> None:
    first = cxops(env, "seed", "--customers", "30", "--products", "20", "--orders", "50")
    assert first.returncode == 0, first.stderr
    assert "loaded 30 customers" in first.stderr

    second = cxops(env, "seed", "--customers", "30", "--products", "20", "--orders", "50")
    assert second.returncode == 1
    assert "already holds customers" in second.stderr


def test_that_an_impossible_demo_size_is_a_clear_error(env: dict[str, str]) -> None:
    done = cxops(env, "seed", "--products", "3")
    assert done.returncode == 2
    assert "products must be between" in done.stderr
    assert "Traceback" not in done.stderr


def test_that_a_bad_setting_names_the_field(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "cxops.yaml"
    config.write_text("max_message_chars: lots\n")
    done = cxops(env, "--config", str(config), "db", "upgrade")
    assert done.returncode == 2
    assert "max_message_chars" in done.stderr
    assert "Traceback" not in done.stderr


def test_that_a_missing_config_file_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    done = cxops(env, "--config", str(tmp_path / "absent.yaml"), "db", "upgrade")
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_that_a_key_can_be_revoked_by_the_whole_key_and_not_twice_by_a_stranger(
    env: dict[str, str],
) -> None:
    token = cxops(env, "keys", "create", "--role", "agent").stdout.strip()

    revoked = cxops(env, "keys", "revoke", token)
    unknown = cxops(env, "keys", "revoke", "cxk_000000000000")

    assert revoked.returncode == 0
    assert "revoked" in cxops(env, "keys", "list").stdout
    assert unknown.returncode == 1
    assert "not found" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_that_a_policy_is_validated_with_line_numbers_before_it_can_be_activated(
    env: dict[str, str], tmp_path: Path
) -> None:
    shipped = cxops(env, "policy", "show")
    assert shipped.returncode == 0, shipped.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(shipped.stdout.replace("max_bot_turns: 4", "max_bot_turns: 0"))
    refused = cxops(env, "policy", "activate", str(bad))
    assert refused.returncode == 2
    line = shipped.stdout.splitlines().index("  max_bot_turns: 4") + 1
    assert f"bad.yaml:{line}: escalation.max_bot_turns:" in refused.stderr

    good = tmp_path / "good.yaml"
    good.write_text(shipped.stdout.replace("max_bot_turns: 4", "max_bot_turns: 2"))
    activated = cxops(env, "policy", "activate", str(good))
    assert activated.returncode == 0, activated.stderr
    assert "max_bot_turns: 2" in cxops(env, "policy", "show").stdout
    history = cxops(env, "policy", "show", "--history").stdout.splitlines()
    assert len(history) == 1
    assert history[0].startswith("retail-default@2026.11.1+")

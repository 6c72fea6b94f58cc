from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from cxops.settings import Settings
from cxops.web.secret import SECRET_FILE, ConsoleSecretError, console_secret


def test_that_a_secret_is_made_once_kept_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = console_secret(settings)
    assert len(first) >= 32
    assert console_secret(settings) == first
    kept = tmp_path / "data" / SECRET_FILE
    assert kept.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in kept.parent.iterdir()] == [SECRET_FILE]


def test_that_a_configured_secret_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, console_secret=SecretStr("s" * 40))
    assert console_secret(settings) == "s" * 40
    assert not (tmp_path / SECRET_FILE).exists()


def test_that_a_short_configured_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(console_secret=SecretStr("short"))


def test_that_an_emptied_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("\n")
    with pytest.raises(ConsoleSecretError, match="CXOPS_CONSOLE_SECRET"):
        console_secret(Settings(data_dir=tmp_path))

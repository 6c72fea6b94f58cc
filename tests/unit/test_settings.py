from pathlib import Path

import pytest
from pydantic import ValidationError

from cxops.settings import ConfigFileError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CXOPS_CONFIG", "CXOPS_PORT", "CXOPS_DATA_DIR", "CXOPS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_that_the_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'cxops.db'}"


def test_that_environment_variables_override_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cxops.yaml"
    config.write_text("port: 9000\nlog_level: debug\n")
    monkeypatch.setenv("CXOPS_PORT", "9100")

    settings = load_settings(config)

    assert settings.port == 9100
    assert settings.log_level == "debug"


def test_that_the_config_file_can_be_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cxops.yaml"
    config.write_text("database_url: postgresql+psycopg://db.internal/cxops\n")
    monkeypatch.setenv("CXOPS_CONFIG", str(config))

    assert load_settings().effective_database_url == "postgresql+psycopg://db.internal/cxops"


def test_that_a_typo_in_the_config_file_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "cxops.yaml"
    config.write_text("prot: 9000\n")
    with pytest.raises(ValidationError, match="prot"):
        load_settings(config)


def test_that_an_out_of_range_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXOPS_PORT", "70000")
    with pytest.raises(ValidationError, match="port"):
        load_settings()


def test_that_a_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")


def test_that_a_generative_endpoint_without_a_model_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CXOPS_GENERATIVE_URL", "http://127.0.0.1:8080/v1")
    with pytest.raises(ValidationError, match="generative_model is required"):
        load_settings()
    monkeypatch.setenv("CXOPS_GENERATIVE_MODEL", "llama-3.1-8b")
    assert load_settings().generative_model == "llama-3.1-8b"

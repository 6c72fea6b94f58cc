"""Settings, read once at start-up from `CXOPS_*` environment variables and an optional YAML file.

Precedence, highest first: explicit arguments, environment variables, the config file, defaults.
Nothing reads settings at import time; the composition root is handed a `Settings`.
"""

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXOPS_", extra="forbid")

    data_dir: Path = Field(
        default=Path("cxops-data"), description="Where the SQLite database and models live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. "
        "Default: SQLite file cxops.db in data_dir.",
    )
    model_dir: Path | None = Field(
        default=None, description="Trained model artifacts. Default: models/ in data_dir."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    max_message_chars: int = Field(
        default=20_000, ge=1, description="Longest accepted message text, in characters."
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest accepted HTTP request body."
    )
    webhook_dispatcher: bool = Field(
        default=True,
        description="Push webhook deliveries from every API server process (off: run "
        "`cxops webhooks deliver` instead).",
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often an idle dispatcher looks for due deliveries."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of each connect, write and read of a delivery."
    )
    webhook_backoff_base_seconds: float = Field(
        default=10.0, gt=0, description="Wait after a delivery's first failure; doubles after each."
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two tries of a delivery."
    )
    webhook_max_attempts: int = Field(
        default=15,
        ge=1,
        description="Tries before a delivery is dead-lettered (3 to 6.5 hours with the defaults).",
    )
    order_system_config: Path | None = Field(
        default=None,
        description="YAML file describing the retailer's REST order system, used instead of the "
        "embedded store (see cxops/data/connectors/rest_order_system.example.yaml).",
    )

    monitor_interval_seconds: float = Field(
        default=300.0,
        ge=0,
        description="How often each API server process measures drift, data quality and "
        "latency and evaluates the alert rules (0: never; run `cxops monitor run` instead, "
        "which is the way with several server processes).",
    )
    monitor_current_hours: float = Field(
        default=72, gt=0, description="The window drift and rates are measured over."
    )
    monitor_baseline_days: float = Field(
        default=14, gt=0, description="The window before it they are compared with."
    )
    scorecard: Path | None = Field(
        default=None,
        description="YAML QA scorecard instead of the shipped one "
        "(see cxops/data/qa/scorecard.yaml).",
    )
    cost_model: Path | None = Field(
        default=None,
        description="YAML cost model for cost per interaction "
        "(see cxops/data/analytics/costs.yaml).",
    )
    alert_rules: Path | None = Field(
        default=None,
        description="YAML alert rules instead of the shipped ones "
        "(see cxops/data/monitoring/alerts.yaml).",
    )
    assist_budget_ms: int = Field(
        default=1000,
        ge=10,
        le=60_000,
        description="Longest a suggestion request may take. An order-system lookup or a "
        "generative draft that would miss it is dropped and the drafts go out without it.",
    )
    generative_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) "
        "for generative reply drafts; off when unset.",
    )
    generative_model: str | None = Field(
        default=None, description="The model the generative endpoint is asked for."
    )
    generative_api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the generative endpoint, if it needs one."
    )

    console_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs console session cookies. Default: a random key made on first "
        "use and kept in console-secret in data_dir; set it when several machines serve one "
        "console, so they accept each other's cookies.",
    )
    console_https: bool = Field(
        default=False,
        description="Mark console session cookies Secure (set when the console is served over "
        "HTTPS, even behind a proxy that terminates TLS).",
    )

    widget_enabled: bool = Field(
        default=False,
        description="Serve the customer chat widget: the chat at /widget, the script a retailer "
        "embeds at /widget/embed.js and a demo retailer page at /widget/demo (404 when off).",
    )
    widget_origins: list[str] = Field(
        default_factory=list,
        description="Sites that may show the widget in a frame, as origins "
        "(https://shop.example.com, or https://*.example.com for every subdomain); this server's "
        "own pages always may. From the environment, a JSON list.",
    )
    widget_max_message_chars: int = Field(
        default=1000, ge=1, description="Longest message a customer may send from the widget."
    )
    widget_messages_per_minute: int = Field(
        default=20,
        ge=1,
        description="Most messages one widget conversation may send in a minute; the next is "
        "refused (429) and nothing is stored.",
    )

    @field_validator("widget_origins")
    @classmethod
    def _widget_origins_are_origins(cls, value: list[str]) -> list[str]:
        """Each entry goes into a Content-Security-Policy header verbatim, so only a bare
        scheme://host[:port] passes: anything else could widen or break the policy."""
        origins = [origin.rstrip("/") for origin in value]
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin like https://shop.example.com "
                    "(scheme, host and optional port; no path)"
                )
        return origins

    @field_validator("console_secret")
    @classmethod
    def _console_secret_is_long(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @model_validator(mode="after")
    def _generative_needs_a_model(self) -> "Settings":
        if self.generative_url and not self.generative_model:
            raise ValueError("generative_model is required when generative_url is set")
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cxops.db').resolve()}"

    @property
    def effective_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))


class ConfigFileError(ValueError):
    """The config file named by `--config` or `CXOPS_CONFIG` cannot be read."""


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Build settings from `config_file` (or `$CXOPS_CONFIG`), the environment and `overrides`."""
    path = config_file or (
        Path(os.environ["CXOPS_CONFIG"]) if "CXOPS_CONFIG" in os.environ else None
    )
    if path is None:
        return Settings(**overrides)  # type: ignore[arg-type]
    if not path.is_file():
        raise ConfigFileError(f"config file {path} does not exist")

    class FileSettings(Settings):
        model_config = SettingsConfigDict(yaml_file=path)

    return FileSettings(**overrides)  # type: ignore[arg-type]

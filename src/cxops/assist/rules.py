"""Agent assist's rules as data: brand voice, compliance, goodwill limits, de-escalation phrases.

Validated on load (errors name the line and field), versioned like the routing policy, so a
suggestion can be traced to the rules it was drafted under.
"""

import hashlib
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cxops.configfile import load_model

DEFAULT_RULES: Final = "assist/rules.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    max: int = Field(default=5, ge=1, le=10)
    min: int = Field(default=3, ge=1, le=10)
    article_chars: int = Field(default=320, ge=80, le=2000)


class Voice(_Strict):
    """How drafts open and close, and the lines that state the customer's entitlements."""

    greeting: str = Field(min_length=1, pattern=r"\{first_name\}")
    anonymous_greeting: str = Field(min_length=1)
    closing: str = Field(min_length=1)
    warranty: str = Field(min_length=1, pattern=r"\{warranty_until\}")
    promotion: str = Field(min_length=1, pattern=r"\{promotion_code\}")


class Compliance(_Strict):
    forbidden: tuple[str, ...] = ()
    sensitive_macros: tuple[str, ...] = ()
    disclosures: dict[str, str] = {}


class Goodwill(_Strict):
    max_credit: Annotated[float, Field(ge=0)] = 20.0
    macros: tuple[str, ...] = ()
    sentiment_at_most: Annotated[float, Field(ge=-1, le=1)] = -0.4


class Escalation(_Strict):
    sentiment_at_most: Annotated[float, Field(ge=-1, le=1)] = -0.7


class AssistRules(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    suggestions: Limits = Limits()
    voice: dict[str, Voice]
    compliance: Compliance = Compliance()
    goodwill: Goodwill = Goodwill()
    escalation: Escalation = Escalation()
    de_escalation: dict[str, tuple[str, ...]] = {}

    @model_validator(mode="after")
    def _english_voice(self) -> "AssistRules":
        if "en" not in self.voice:
            raise ValueError("voice: English (en) is required; other languages fall back to it")
        return self

    def voice_for(self, language: str) -> Voice:
        """The voice of `language`, or English's."""
        return self.voice.get(language) or self.voice["en"]


class LoadedRules:
    """Rules with their version label `name@version+sha8`, as the routing policy labels its."""

    def __init__(self, rules: AssistRules, text: str) -> None:
        self.rules = rules
        self.version_label = (
            f"{rules.name}@{rules.version}+{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        )


def parse_rules(text: str, *, source: str) -> LoadedRules:
    return LoadedRules(load_model(text, AssistRules, source=source), text)


def read_rules(path: Path) -> LoadedRules:
    return parse_rules(path.read_text(encoding="utf-8"), source=str(path))


@cache
def default_rules() -> LoadedRules:
    resource = files("cxops.data").joinpath(DEFAULT_RULES)
    return parse_rules(resource.read_text(encoding="utf-8"), source=f"cxops:{DEFAULT_RULES}")

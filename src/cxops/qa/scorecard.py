"""Scorecards as data: what a good conversation does, criterion by criterion, with weights.

A scorecard is YAML edited by QA analysts. It is validated on load (every problem is reported
with its line and dotted field, e.g. `criteria.3.weight`, all at once) and labelled
`name@version+sha8`, so each score can be traced to the exact text it was scored under.

Each criterion has a `kind` that fixes its other fields; see `data/qa/scorecard.yaml` for every
kind in use. Phrase lists are keyed by language (`en`, `es`, any two-letter code); a conversation
is checked against the phrases of all languages, so a customer who switches language mid-way is
still understood. They match whole words, ignoring letter case, accents and runs of spaces;
punctuation inside a phrase must match as written.
"""

import hashlib
from collections import Counter
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from cxops.configfile import load_model
from cxops.domain.conversations import Channel

DEFAULT_SCORECARD: Final = "qa/scorecard.yaml"


def _non_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Refuse an empty tuple. (`Field(min_length=1)` would also call a tuple empty whenever one
    of its items is invalid, adding a false problem to the real one.)"""
    if not items:
        raise ValueError("give at least one")
    return items


NonEmpty = AfterValidator(_non_empty)
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Phrases = Annotated[dict[Language, Annotated[tuple[Phrase, ...], NonEmpty]], Field(min_length=1)]
SentimentScore = Annotated[float, Field(ge=-1, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Criterion(_Strict):
    """What every criterion has. `applies_to` picks the conversations it judges by who handled
    them; `when_intents`, when given, limits it to conversations of those intents."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=1)
    weight: float = Field(gt=0)
    auto_fail: bool = False
    applies_to: Literal["bot", "agent", "both"] = "both"
    when_intents: Annotated[tuple[Phrase, ...], NonEmpty] | None = None


class Semantic(_Strict):
    """Pass when a turn's embedding has cosine similarity of at least `threshold` with one of the
    `examples` (thresholds depend on the embedding model the scorer is given)."""

    examples: Annotated[tuple[Phrase, ...], NonEmpty]
    threshold: float = Field(gt=0, le=1)


class RequiredPhrases(_Criterion):
    """`said_by` (the agent side: bot or agent; or the customer) says one of `phrases`, or
    something like the `semantic` examples, in its first `in_first` turns, its last `in_last`
    turns, or anywhere when neither is given. Without an embedder the semantic check is skipped:
    the phrases alone decide, and a criterion with no phrases does not apply."""

    kind: Literal["required_phrases"]
    said_by: Literal["agent_side", "customer"] = "agent_side"
    in_first: int | None = Field(default=None, ge=1)
    in_last: int | None = Field(default=None, ge=1)
    phrases: Phrases | None = None
    semantic: Semantic | None = None

    @model_validator(mode="after")
    def _something_to_look_for(self) -> "RequiredPhrases":
        if self.phrases is None and self.semantic is None:
            raise ValueError("give phrases, semantic examples, or both")
        if self.in_first is not None and self.in_last is not None:
            raise ValueError("give in_first or in_last, not both")
        return self


class RequiredOrder(_Criterion):
    """Identity is verified before any action whose kind is in `verify_before`, whatever the
    action's status (even proposing an action reveals the order). An action at the very moment of
    verification counts as after it. Does not apply when no such action was taken."""

    kind: Literal["required_order"]
    verify_before: Annotated[tuple[Phrase, ...], NonEmpty]


class Prohibited(_Criterion):
    """No agent-side turn says one of `phrases` or `profanity`, or, with `card_number`, reads a
    card number back: a Luhn-valid run of 13 to 19 digits, or the `[CARD]` placeholder that
    redaction leaves where one was."""

    kind: Literal["prohibited"]
    phrases: Phrases | None = None
    profanity: Phrases | None = None
    card_number: bool = False

    @model_validator(mode="after")
    def _something_to_look_for(self) -> "Prohibited":
        if self.phrases is None and self.profanity is None and not self.card_number:
            raise ValueError("give phrases, profanity, or card_number: true")
        return self


class EmpathyWhenUpset(_Criterion):
    """Each agent-side turn that answers customer turns scored at or below `sentiment_at_most`
    says one of `phrases`. Does not apply when no upset turn was answered."""

    kind: Literal["empathy_when_upset"]
    sentiment_at_most: SentimentScore
    phrases: Phrases


class SentimentRecovery(_Criterion):
    """The customer's last scored turn is at least `min_gain` above their worst. Applies only when
    the worst is below `floor`."""

    kind: Literal["sentiment_recovery"]
    floor: SentimentScore
    min_gain: float = Field(gt=0, le=2)


class ResolutionConfirmed(_Criterion):
    """The outcome is `resolved` and it was confirmed late in the conversation: one of the
    customer's last `within_last` turns says one of `confirmations` ("that fixed it"), or one of
    the agent side's last `within_last` turns asks one of `anything_else` ("anything else I can
    help with?") and the conversation still closed resolved. Fails on any other outcome, or on a
    resolved one that nobody confirmed; does not apply when no outcome was recorded."""

    kind: Literal["resolution_confirmed"]
    confirmations: Phrases
    anything_else: Phrases | None = None
    within_last: int = Field(default=3, ge=1)


class ResponseTime(_Criterion):
    """At least `share` of agent-side replies come within the channel's target, counted from the
    first customer turn they answer. A customer turn nobody answered (often a goodbye) is not
    counted. Does not apply on a channel without a target, or with no replies."""

    kind: Literal["response_time"]
    target_seconds: Annotated[dict[Channel, Annotated[float, Field(gt=0)]], Field(min_length=1)]
    share: float = Field(default=0.9, gt=0, le=1)


class TransfersAndHolds(_Criterion):
    """At most `max_transfers` transfers, `max_holds` holds, and no single hold longer than
    `max_hold_seconds`; a limit left out is not checked."""

    kind: Literal["transfers_and_holds"]
    max_transfers: int | None = Field(default=None, ge=0)
    max_holds: int | None = Field(default=None, ge=0)
    max_hold_seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _some_limit(self) -> "TransfersAndHolds":
        if self.max_transfers is None and self.max_holds is None and self.max_hold_seconds is None:
            raise ValueError("give max_transfers, max_holds or max_hold_seconds")
        return self


def _without_kind_in_location(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Report a criterion's errors at `criteria.N.field`, not `criteria.N.<kind>.field`.

    Pydantic puts the discriminator's value in the error location, where no YAML node has that
    name, so the line would fall back to the criterion's first line.
    """
    try:
        return handler(value)
    except ValidationError as exc:
        kind = value.get("kind") if isinstance(value, dict) else None
        details: list[InitErrorDetails] = []
        for error in exc.errors():
            location = error["loc"]
            if kind is not None and location[:1] == (kind,):
                location = location[1:]
            elif error["type"] == "union_tag_invalid":
                location = ("kind",)
            detail = InitErrorDetails(type=error["type"], loc=location, input=error["input"])
            if "ctx" in error:
                detail["ctx"] = error["ctx"]
            details.append(detail)
        raise ValidationError.from_exception_data(exc.title, details) from None


Criterion = Annotated[
    RequiredPhrases
    | RequiredOrder
    | Prohibited
    | EmpathyWhenUpset
    | SentimentRecovery
    | ResolutionConfirmed
    | ResponseTime
    | TransfersAndHolds,
    Field(discriminator="kind"),
    WrapValidator(_without_kind_in_location),
]


class Scorecard(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    criteria: Annotated[tuple[Criterion, ...], NonEmpty]

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        counts = Counter(c.id for c in criteria)
        repeated = sorted(id_ for id_, count in counts.items() if count > 1)
        if repeated:
            raise ValueError(f"ids must be unique, repeated: {', '.join(repeated)}")
        return criteria


class LoadedScorecard:
    """A scorecard with its version label `name@version+sha8`, as the routing policy labels its."""

    def __init__(self, scorecard: Scorecard, text: str) -> None:
        self.scorecard = scorecard
        self.version_label = (
            f"{scorecard.name}@{scorecard.version}+{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        )


def parse_scorecard(text: str, *, source: str) -> LoadedScorecard:
    """Validate scorecard YAML; raise `ConfigError` naming each problem's line and field."""
    return LoadedScorecard(load_model(text, Scorecard, source=source), text)


def read_scorecard(path: Path) -> LoadedScorecard:
    return parse_scorecard(path.read_text(encoding="utf-8"), source=str(path))


@cache
def default_scorecard() -> LoadedScorecard:
    """The retail scorecard that ships with cxops."""
    resource = files("cxops.data").joinpath(DEFAULT_SCORECARD)
    return parse_scorecard(
        resource.read_text(encoding="utf-8"), source=f"cxops:{DEFAULT_SCORECARD}"
    )

"""The routing policy: what the bot may do, when a person must take over, where contacts go.

A policy is data (YAML validated by these models), never code: operations leads change thresholds,
queues and triggers without a release, and every decision records the policy version it was made
under. Fields are checked against each other too (a rule naming an unknown queue, a threshold
outside [0, 1]), so a policy that loads is one the engine can run.

Thresholds are calibrated probabilities: `min_confidence: 0.8` means "automate when the intent
model says it is at least 80% sure", which is what the model's temperature calibration makes true.
An intent may instead state the cost of a wrong automated answer; the engine then derives the
threshold from the policy's `costs` (see `routing.engine`).
"""

import hashlib
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cxops.configfile import load_model
from cxops.domain.customers import Segment
from cxops.domain.ids import QueueId
from cxops.domain.triage import UrgencyLevel
from cxops.domain.workforce import Queue
from cxops.selfservice.rules import SelfServiceRules

DEFAULT_POLICY: Final = "policy/default.yaml"

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Delta = Annotated[float, Field(ge=-0.5, le=0.5)]
Cost = Annotated[float, Field(ge=0.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Risk(StrEnum):
    LOW = "low"
    HIGH = "high"


class IntentRule(_Strict):
    """How the bot treats one intent. Without `min_confidence` or `wrong_answer_cost`, the
    default threshold applies; with a cost, the threshold is derived from costs."""

    automate: bool = True
    min_confidence: Probability | None = None
    wrong_answer_cost: Cost | None = None
    risk: Risk = Risk.LOW


class SegmentRule(_Strict):
    """Per segment: raise (positive) or lower the automation bar, and intents that always go to
    a person for this segment."""

    min_confidence_delta: Delta = 0.0
    to_person: tuple[str, ...] = ()


class Costs(_Strict):
    """Costs in one unit (e.g. the currency): a person handling the contact, one clarifying
    question, and the default cost of a wrong automated answer."""

    human_contact: Cost
    clarify: Cost
    wrong_answer: Cost


class Automation(_Strict):
    default_min_confidence: Probability
    clarify_margin: Probability = 0.15
    max_clarifications: int = Field(default=1, ge=0)
    intents: dict[str, IntentRule]
    segments: dict[Segment, SegmentRule] = {}


class Escalation(_Strict):
    """Triggers that hand a contact to a person whatever the intent's confidence.

    Sensitive topics always go to a person: that is not a setting, because no policy may turn it
    off. `sentiment_falling` is a per-turn slope, applied once there are `falling_turns` turns.
    """

    sentiment_floor: Annotated[float, Field(ge=-1.0, le=1.0)]
    sentiment_falling: Annotated[float, Field(ge=-2.0, le=0.0)]
    falling_turns: int = Field(default=3, ge=2)
    repeat_contact_days: int = Field(ge=1)
    max_bot_turns: int = Field(ge=1)
    urgency_to_person: tuple[UrgencyLevel, ...] = (UrgencyLevel.CRITICAL,)
    keywords: tuple[str, ...] = ()


class Sla(_Strict):
    answer_within_seconds: int = Field(gt=0)
    target_percent: float = Field(gt=0, le=100)


class QueueSpec(_Strict):
    """A skill queue. `handle_time_seconds` is the assumed average handle time until enough
    closed contacts measure it; `secondary_skills` are the skills that may cover the queue when
    it overflows."""

    id: str = Field(pattern=r"^q_[a-z0-9_]+$")
    name: str = Field(min_length=1)
    description: str = ""
    skill: str = Field(min_length=1)
    language: str = Field(min_length=2, max_length=8)
    vip_only: bool = False
    sla: Sla
    handle_time_seconds: int = Field(gt=0)
    secondary_skills: tuple[str, ...] = ()


class RouteRule(_Strict):
    """First matching rule wins; an unset condition matches anything."""

    queue: str
    intents: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()


class Routing(_Strict):
    default_queue: str
    rules: tuple[RouteRule, ...] = ()


class Priority(_Strict):
    """Priority is a number from 0 to `max`; higher is served first. `per_minute_waiting` ages
    a waiting contact so nobody starves behind a stream of urgent ones."""

    urgency: dict[UrgencyLevel, int]
    vip: int = 0
    repeat_contact: int = 0
    negative_sentiment: int = 0
    per_minute_waiting: float = Field(default=1.0, ge=0.0)
    max: int = Field(default=100, gt=0)


class Adaptation(_Strict):
    """What may change under load, and how far.

    A queue is under pressure when its predicted wait breaks its SLA or its recent arrival rate is
    `spike_factor` times the baseline. Then low-risk intents may be automated with up to
    `max_threshold_relief` less confidence (never below `min_confidence_floor`), high-risk
    intents need `risky_threshold_raise` more (fewer people are free to catch the bot's mistakes),
    and a contact may go to an agent who holds one of the queue's secondary skills. Sensitive
    topics and explicit requests for a person are never adapted.
    """

    window_minutes: int = Field(default=15, gt=0)
    baseline_hours: int = Field(default=24, gt=0)
    spike_factor: float = Field(default=2.0, gt=1.0)
    max_threshold_relief: Probability = 0.1
    min_confidence_floor: Probability = 0.5
    risky_threshold_raise: Probability = 0.1
    overflow_to_secondary: bool = True


class Policy(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    costs: Costs
    automation: Automation
    escalation: Escalation
    queues: tuple[QueueSpec, ...] = Field(min_length=1)
    routing: Routing
    priority: Priority
    adaptation: Adaptation = Adaptation()
    selfservice: SelfServiceRules = SelfServiceRules()

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        ids = [queue.id for queue in self.queues]
        duplicates = sorted({queue for queue in ids if ids.count(queue) > 1})
        if duplicates:
            raise ValueError(f"queue ids must be unique: {', '.join(duplicates)}")
        known = set(ids)
        named = [self.routing.default_queue, *(rule.queue for rule in self.routing.rules)]
        unknown = sorted({queue for queue in named if queue not in known})
        if unknown:
            raise ValueError(f"routing names queues that are not defined: {', '.join(unknown)}")
        missing = sorted(
            set(UrgencyLevel) - set(self.priority.urgency), key=list(UrgencyLevel).index
        )
        if missing:
            raise ValueError(f"priority.urgency needs every level; missing: {', '.join(missing)}")
        return self

    def queue(self, queue_id: str) -> QueueSpec:
        """Return the queue with this id (the validator guarantees routed ids exist)."""
        return next(queue for queue in self.queues if queue.id == queue_id)


class LoadedPolicy:
    """A validated policy with its source text and its version label.

    `version_label` is `name@version+sha` where sha is the first 8 hex of the source's SHA-256,
    so two different files that forget to bump `version` are still told apart on decisions.
    """

    def __init__(self, policy: Policy, text: str) -> None:
        self.policy = policy
        self.text = text
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def version_label(self) -> str:
        return f"{self.policy.name}@{self.policy.version}+{self.sha256[:8]}"


def parse_policy(text: str, *, source: str) -> LoadedPolicy:
    """Validate policy YAML; raise `ConfigError` listing each problem with its line and field."""
    return LoadedPolicy(load_model(text, Policy, source=source), text)


def read_policy(path: Path) -> LoadedPolicy:
    """Read and validate a policy file."""
    return parse_policy(path.read_text(encoding="utf-8"), source=str(path))


def default_policy() -> LoadedPolicy:
    """The policy that ships with cxops (used until another is activated)."""
    resource = files("cxops.data").joinpath(DEFAULT_POLICY)
    return parse_policy(resource.read_text(encoding="utf-8"), source=f"cxops:{DEFAULT_POLICY}")


def queues_of(policy: Policy) -> list[Queue]:
    """The policy's queues as the workforce records them."""
    return [
        Queue(
            id=QueueId(q.id),
            name=q.name,
            description=q.description,
            skill=q.skill,
            language=q.language,
            sla_seconds=q.sla.answer_within_seconds,
            sla_target_percent=round(q.sla.target_percent),
            vip_only=q.vip_only,
        )
        for q in policy.queues
    ]

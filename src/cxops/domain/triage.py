"""What triage found in one message: plain data that decisions, assist and QA read."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

# Intents about an existing order: answering them needs to know which order, so customers tend to
# quote its number and a person taking over asks for it when they have not.
ORDER_INTENTS: Final = frozenset(
    {
        "order_status",
        "cancel_order",
        "change_order",
        "change_shipping_address",
        "missing_delivery",
        "return_item",
        "refund_status",
        "exchange_item",
        "damaged_item",
        "wrong_item",
        "warranty_claim",
        "payment_issue",
        "invoice",
        "complaint",
    }
)


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """Top intent with a calibrated probability, the runners-up, and the out-of-scope call.

    When `out_of_scope` is true, `name` is `out_of_scope` and `alternatives` still lists what the
    model thought most likely, so a person can see what it hesitated between.
    """

    name: str
    confidence: float
    alternatives: tuple[IntentScore, ...]
    out_of_scope: bool


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class Sentiment:
    """`score` runs from -1 (very negative) to +1; `frustration` lists the signals seen
    (e.g. `shouting`, `repeated_punctuation`, `profanity`, `repeat_contact`)."""

    score: float
    label: SentimentLabel
    frustration: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SentimentTrajectory:
    """The conversation so far, customer turns only: latest score, lowest score, and trend
    (slope of the score per customer turn; negative means getting worse)."""

    current: float
    minimum: float
    trend: float
    turns: int


class UrgencyLevel(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Urgency:
    level: UrgencyLevel
    reasons: tuple[str, ...]


class SensitiveCategory(StrEnum):
    FINANCIAL = "financial"
    HEALTH = "health"
    LEGAL = "legal"


@dataclass(frozen=True, slots=True)
class SensitiveTopic:
    """A sensitive topic with its evidence: the matched span of the original text."""

    category: SensitiveCategory
    topic: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Language:
    """ISO 639-1 code (`und` when undetermined) and the detector's confidence."""

    code: str
    confidence: float


class PiiType(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A piece of personal data at text[start:end] (character offsets into the original)."""

    type: PiiType
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Triage:
    intent: IntentPrediction
    sentiment: Sentiment
    urgency: Urgency
    language: Language
    sensitive_topics: tuple[SensitiveTopic, ...]
    pii: tuple[PiiSpan, ...]
    redacted_text: str
    model_versions: dict[str, str] = field(default_factory=dict)
    latency_ms: float = 0.0

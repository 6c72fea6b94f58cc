"""Automated quality assurance: a closed conversation as the scorer reads it, and its verdict.

A `Transcript` is the same shape whoever handled the conversation, bot or person, so one
scorecard judges both. Its texts are already PII-redacted, its turns are in the order they were
said, and its timestamps are comparable with each other (all aware, or all naive).

Every verdict carries `Evidence`: the messages, the span of text, or the action that a criterion
passed or failed on, so a reviewer can check any point without re-reading the conversation.
A criterion that does not apply to a conversation (`passed is None`) is left out of its score.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cxops.domain.conversations import Channel, MessageRole, Outcome
from cxops.domain.ids import ActionId, ConversationId, MessageId


class HandledBy(StrEnum):
    BOT = "bot"
    AGENT = "agent"


AGENT_SIDE = frozenset({MessageRole.BOT, MessageRole.AGENT})


@dataclass(frozen=True, slots=True)
class Turn:
    """One message. `sentiment` (-1 to +1) is triage's score of a customer turn, None otherwise."""

    id: MessageId
    role: MessageRole
    text: str
    created_at: datetime
    sentiment: float | None = None

    def __post_init__(self) -> None:
        if self.sentiment is not None and not -1.0 <= self.sentiment <= 1.0:
            raise ValueError(f"sentiment {self.sentiment} of {self.id} is outside [-1, 1]")


@dataclass(frozen=True, slots=True)
class ActionEvent:
    """Something done on the customer's behalf: an order action of the bot's (`ActionKind`
    values such as `issue_refund`) or an agent's own, e.g. `goodwill_credit`."""

    id: ActionId
    kind: str
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Hold:
    """A time the customer was put on hold."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Transcript:
    """A closed conversation. `verified_at` is when the customer's identity was verified (None:
    never); `intent` is the conversation's intent as triage or the agent settled it."""

    conversation_id: ConversationId
    channel: Channel
    handled_by: HandledBy
    turns: tuple[Turn, ...]
    closed_at: datetime
    actions: tuple[ActionEvent, ...] = ()
    verified_at: datetime | None = None
    transfers: int = 0
    holds: tuple[Hold, ...] = ()
    outcome: Outcome | None = None
    intent: str | None = None


@dataclass(frozen=True, slots=True)
class TextSpan:
    """Characters `start:end` of the text of message `message_id`."""

    message_id: MessageId
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a verdict rests on: `note` says it in a sentence; `message_ids` are the turns
    involved, in conversation order; `span` marks the words that decided it; `action_id` the
    action that did."""

    note: str
    message_ids: tuple[MessageId, ...] = ()
    span: TextSpan | None = None
    action_id: ActionId | None = None


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's verdict: `passed` None means it did not apply, and then `possible` is 0.
    `auto_fail` is the criterion's flag: failing it fails the whole conversation."""

    criterion_id: str
    name: str
    passed: bool | None
    points: float
    possible: float
    auto_fail: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class QaResult:
    """A conversation's score: earned weight over applicable weight, 0 to 100, None when no
    criterion applied. `auto_failed` is set when an auto-fail criterion failed; the score is
    still reported so the rest of the work can be coached."""

    conversation_id: ConversationId
    scorecard_version: str
    score: float | None
    auto_failed: bool
    results: tuple[CriterionResult, ...]


@dataclass(frozen=True, slots=True)
class HumanReview:
    """A person's verdict per criterion id on one conversation (None: does not apply)."""

    conversation_id: ConversationId
    reviewer: str
    verdicts: dict[str, bool | None]

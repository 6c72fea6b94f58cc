"""What agent assist offers a person handling a conversation, and what the person did with it.

Every suggestion is stored before it is shown, with its rationale, so the agent's feedback
(accepted as is, edited, or ignored) can be tied back to what was offered: that labelled record
is what later learning uses, and what the acceptance report counts.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cxops.domain.ids import ConversationId, MessageId, SuggestionId


class SuggestionSource(StrEnum):
    """Where a draft came from: a reply macro, a knowledge-base article, or a generative model."""

    MACRO = "macro"
    ARTICLE = "article"
    GENERATED = "generated"


class FeedbackAction(StrEnum):
    ACCEPTED = "accepted"
    EDITED = "edited"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A ready-to-send reply draft. `rank` is 1 for the best; `source_id` names the macro or
    article; `rationale` says why it ranks (intent, article, the customer's facts used)."""

    id: SuggestionId
    conversation_id: ConversationId
    message_id: MessageId | None
    rank: int
    text: str
    source: SuggestionSource
    source_id: str
    intent: str
    score: float
    rationale: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the agent did with a suggestion. `final_text` is what they sent (None when they
    ignored it); `edit_distance` is the Levenshtein distance from the draft to it."""

    suggestion_id: SuggestionId
    action: FeedbackAction
    final_text: str | None
    edit_distance: int
    reason: str
    given_by: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class AcceptanceRow:
    """One line of the acceptance report: suggestions shown and what became of them, for one
    value of the grouping (an intent, or a source)."""

    key: str
    shown: int
    accepted: int
    edited: int
    ignored: int

    @property
    def acceptance_rate(self) -> float:
        """Accepted or edited, of those that got feedback; 0 when none did."""
        answered = self.accepted + self.edited + self.ignored
        return 0.0 if answered == 0 else (self.accepted + self.edited) / answered

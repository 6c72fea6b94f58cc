"""The triage engine: one pure call from a message (and what we know of its conversation) to a
`Triage`. It holds loaded models but no state about conversations, so one engine serves every
request of a process."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cxops.domain.triage import IntentPrediction, PiiSpan, Triage
from cxops.triage.language import LanguageDetector
from cxops.triage.pii import find_pii, redact
from cxops.triage.sensitive import find_sensitive_topics
from cxops.triage.sentiment import score_sentiment
from cxops.triage.urgency import assess_urgency

SENTIMENT_VERSION = "vader-3.3.2+cxops-1"
RULES_VERSION = "cxops-rules-1"
# The opening of a long email says what it is about; the model costs time per character.
INTENT_PREFIX_CHARS = 2_000


class IntentClassifier(Protocol):
    """What the engine needs of an intent model; `version` is recorded on every triage."""

    @property
    def version(self) -> str: ...

    def predict(self, texts: Sequence[str], *, k: int = 3) -> list[IntentPrediction]: ...


@dataclass(frozen=True, slots=True)
class TriageContext:
    """What the conversation tells us beyond the text: whether the customer has been in touch
    about this recently, whether they are a VIP, and the language they prefer."""

    repeat_contact: bool = False
    vip: bool = False
    preferred_language: str | None = None


class TriageEngine:
    def __init__(self, *, intent: IntentClassifier, language: LanguageDetector) -> None:
        self._intent = intent
        self._language = language
        self.versions = {
            "intent": intent.version,
            "sentiment": SENTIMENT_VERSION,
            "rules": RULES_VERSION,
        }

    def triage(self, text: str, context: TriageContext = TriageContext()) -> Triage:
        """Understand one message; `latency_ms` is the time this call took.

        Intent and language are read from the redacted text: an email address or a card number
        says nothing about what the customer wants, yet a model reading "ana.ruiz@example.com"
        leans toward account changes and reads a bare address as English.
        """
        started = time.perf_counter()
        spans = find_pii(text)
        redacted = redact(text, spans)
        intent = self._intent.predict([redacted[:INTENT_PREFIX_CHARS]])[0]
        sentiment = score_sentiment(text)
        topics = find_sensitive_topics(text)
        urgency = assess_urgency(
            text=text,
            sentiment=sentiment,
            sensitive_topics=topics,
            repeat_contact=context.repeat_contact,
            vip=context.vip,
        )
        language = self._language.detect(redacted, prefer=context.preferred_language)
        return Triage(
            intent=intent,
            sentiment=sentiment,
            urgency=urgency,
            language=language,
            sensitive_topics=topics,
            pii=spans,
            redacted_text=redacted,
            model_versions=dict(self.versions),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    @staticmethod
    def redact(text: str) -> tuple[str, tuple[PiiSpan, ...]]:
        """Redact personal data from text that is not triaged (agent and system messages)."""
        spans = find_pii(text)
        return redact(text, spans), spans

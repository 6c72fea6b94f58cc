"""Ranked reply drafts for the agent: reply macros and knowledge-base passages, filled with the
customer's real data and filtered by the compliance rules.

Pure: the caller gathers the case (`Case`) and hands in the index, the macros and the rules.
A draft is only ever made of approved text (a macro or an article the retailer wrote) and facts
from the order system; order facts are used only once the customer's identity is verified, and
on a sensitive topic only the approved macros are offered.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxops.assist.entitlements import Offer
from cxops.assist.retrieval import Embedder, KnowledgeIndex
from cxops.assist.rules import AssistRules, Voice
from cxops.domain.assist import SuggestionSource
from cxops.domain.knowledge import Macro
from cxops.domain.triage import ORDER_INTENTS

INTENT_MATCH = 0.6
GENERIC_MACRO = 0.15
SIMILARITY_WEIGHT = 0.4
VERIFY_FIRST = 0.35
EMPATHY_WHEN_UPSET = 0.25
WARRANTY_INTENTS = frozenset({"warranty_claim", "damaged_item"})
PROMOTION_INTENTS = frozenset({"promotion_inquiry"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the order system says about the order the conversation is about; every field is
    text ready to quote ("" when unknown)."""

    order_id: str
    status: str
    carrier: str = ""
    tracking_number: str = ""
    eta: str = ""
    label_reference: str = ""
    refund_amount: str = ""
    return_window_days: str = ""
    product: str = ""
    warranty_until: str = ""
    warranty_ended: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """The conversation as assist sees it at the customer's latest message. `query` is that
    message, redacted; `identity_verified` is true once the bot verified the customer or the
    channel signed them in."""

    query: str
    intent: str
    confidence: float
    language: str
    sentiment: float
    sentiment_trend: float | None
    sensitive_topics: tuple[str, ...]
    identity_verified: bool
    first_name: str | None
    order: OrderFacts | None
    channel: str
    repeat_contacts: int = 0
    pii_types: tuple[str, ...] = ()
    offers: tuple[Offer, ...] = ()

    def facts(self) -> dict[str, str]:
        """Placeholder values the drafts may use: order facts and offers only for a verified
        customer."""
        known = {"first_name": self.first_name} if self.first_name else {}
        if not self.identity_verified:
            return known
        if self.order is not None:
            for name in OrderFacts.__dataclass_fields__:
                value = getattr(self.order, name)
                if value and name != "status":
                    known[name] = value
        if self.offers:
            known["promotion_code"] = self.offers[0].code
            known["promotion"] = self.offers[0].text
        return known


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    source: SuggestionSource
    source_id: str
    score: float
    rationale: tuple[str, ...]


class MacroLibrary:
    """Macros with their embeddings, computed once."""

    def __init__(self, macros: Sequence[Macro], *, embedder: Embedder) -> None:
        self.macros = tuple(macros)
        self._embedder = embedder
        self._vectors: npt.NDArray[np.float32] = (
            embedder.embed([f"{m.title}. {m.text}" for m in self.macros])
            if self.macros
            else np.zeros((0, 1), dtype=np.float32)
        )

    def similarity(self, query: str) -> npt.NDArray[np.float32]:
        if not self.macros:
            return np.zeros(0, dtype=np.float32)
        scores = self._vectors @ self._embedder.embed([query])[0]
        return np.asarray(np.clip(scores, 0.0, 1.0), dtype=np.float32)


def draft_replies(
    case: Case, *, index: KnowledgeIndex, library: MacroLibrary, rules: AssistRules
) -> list[Draft]:
    """Between `rules.suggestions.min` and `.max` drafts (fewer only if fewer qualify), best
    first, each with its rationale; none contains a forbidden phrase."""
    facts = case.facts()
    sensitive = bool(case.sensitive_topics)
    candidates = _macro_drafts(case, library, facts, rules, sensitive=sensitive)
    if not sensitive:
        candidates += _article_drafts(case, index, facts, rules)
    allowed = [d for d in candidates if not _forbidden(d.text, rules.compliance.forbidden)]
    seen: set[str] = set()
    ranked = []
    for draft in sorted(allowed, key=lambda d: (-d.score, d.source_id)):
        if draft.text in seen:
            continue
        seen.add(draft.text)
        ranked.append(draft)
    return ranked[: rules.suggestions.max]


def _macro_drafts(
    case: Case,
    library: MacroLibrary,
    facts: Mapping[str, str],
    rules: AssistRules,
    *,
    sensitive: bool,
) -> list[Draft]:
    similarity = library.similarity(case.query)
    upset = case.sentiment <= rules.goodwill.sentiment_at_most
    drafts = []
    for macro, similar in zip(library.macros, similarity, strict=True):
        if not _speaks(library, macro, case.language):
            continue
        if sensitive and macro.id not in rules.compliance.sensitive_macros:
            continue
        missing = [name for name in macro.requires if name not in facts]
        if missing:
            continue
        why = []
        if case.intent in macro.intents:
            score = INTENT_MATCH
            why.append(f"written for {case.intent.replace('_', ' ')}")
        elif not macro.intents:
            score = GENERIC_MACRO
            why.append("fits any conversation")
        elif sensitive:
            score = GENERIC_MACRO
            why.append("approved wording for a sensitive topic")
        else:
            continue
        score += SIMILARITY_WEIGHT * float(similar)
        verify_first = not case.identity_verified and case.intent in ORDER_INTENTS
        if macro.id.startswith("verify-identity") and verify_first:
            score += VERIFY_FIRST
            why.append("identity is not verified yet")
        if macro.id.startswith("deescalation") and upset:
            score += EMPATHY_WHEN_UPSET
            why.append(f"customer is upset (sentiment {case.sentiment:+.2f})")
        if macro.id in rules.goodwill.macros and not (upset or case.repeat_contacts):
            continue
        used = sorted(set(_PLACEHOLDER.findall(macro.text)) & set(facts))
        if used:
            why.append("uses " + ", ".join(used))
        drafts.append(
            Draft(
                text=_fill(macro.text, facts),
                source=SuggestionSource.MACRO,
                source_id=macro.id,
                score=round(score, 4),
                rationale=(f"macro '{macro.title}'", *why),
            )
        )
    return drafts


def _speaks(library: MacroLibrary, macro: Macro, language: str) -> bool:
    """A macro in the customer's language, or the English one where no translation exists."""
    if macro.language == language:
        return True
    translated = f"{macro.id}-{language}"
    return macro.language == "en" and all(m.id != translated for m in library.macros)


def _article_drafts(
    case: Case, index: KnowledgeIndex, facts: Mapping[str, str], rules: AssistRules
) -> list[Draft]:
    voice = rules.voice_for(case.language)
    opening = _fill(voice.greeting, facts) if "first_name" in facts else voice.anonymous_greeting
    drafts = []
    for hit in index.search(case.query, k=3, intent=case.intent, language=case.language):
        passage = _passage(hit.chunk.text, rules.suggestions.article_chars)
        if not passage:
            continue
        lines = [opening, passage]
        why = [
            f"article '{hit.chunk.title}'"
            + (f" § {hit.chunk.heading}" if hit.chunk.heading else ""),
            f"matches the message (words {hit.lexical:.2f}, meaning {hit.semantic:.2f})",
        ]
        if case.intent in hit.chunk.intents:
            why.append(f"written for {case.intent.replace('_', ' ')}")
        for line, used in _personal_lines(case, facts, voice):
            lines.insert(-1, line)
            why.append(used)
        lines.append(voice.closing)
        drafts.append(
            Draft(
                text="\n\n".join(lines),
                source=SuggestionSource.ARTICLE,
                source_id=hit.chunk.article_id,
                score=round(hit.score, 4),
                rationale=tuple(why),
            )
        )
    return drafts


def _passage(text: str, limit: int) -> str:
    """The chunk's own words without its title and heading lines, whole sentences up to
    `limit` characters, Markdown list marks and emphasis removed."""
    body = text.split("\n\n", 1)[1] if "\n\n" in text else text
    flat = " ".join(line.strip().lstrip("-*0123456789. ").strip() for line in body.splitlines())
    flat = re.sub(r"\*\*|__|`", "", " ".join(flat.split()))
    out = ""
    for sentence in _SENTENCE_END.split(flat):
        if out and len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    return out[: limit * 2]


def _personal_lines(case: Case, facts: Mapping[str, str], voice: Voice) -> list[tuple[str, str]]:
    """Lines stating the customer's own facts that bear on the request, each with the
    rationale naming them."""
    lines = []
    if (line := _order_line(case, facts)) and case.intent in ORDER_INTENTS:
        lines.append((line, f"order {facts['order_id']} facts"))
    if case.intent in WARRANTY_INTENTS and "warranty_until" in facts:
        lines.append(
            (_fill(voice.warranty, facts), f"warranty running until {facts['warranty_until']}")
        )
    if case.intent in PROMOTION_INTENTS and "promotion_code" in facts:
        lines.append(
            (_fill(voice.promotion, facts), f"customer is eligible for {facts['promotion_code']}")
        )
    return lines


def _order_line(case: Case, facts: Mapping[str, str]) -> str:
    if "order_id" not in facts or case.order is None:
        return ""
    line = f"Your order {facts['order_id']} is {case.order.status}"
    in_transit = case.order.status in ("shipped", "delayed")
    if in_transit and "carrier" in facts and "tracking_number" in facts:
        line += f", with {facts['carrier']} (tracking {facts['tracking_number']})"
    if in_transit and "eta" in facts:
        line += f", expected {facts['eta']}"
    return line + "."


def _fill(template: str, facts: Mapping[str, str]) -> str:
    """Placeholders filled; an unknown first name leaves a neutral greeting ("Hi," not "Hi ,")."""
    text = re.sub(r"[ ,]*\{first_name\}", "", template) if "first_name" not in facts else template
    return _PLACEHOLDER.sub(lambda m: facts.get(m.group(1), m.group(0)), text).strip()


def _forbidden(text: str, phrases: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(
        re.search(rf"(?<!\w){re.escape(p.casefold())}(?!\w)", folded) is not None for p in phrases
    )

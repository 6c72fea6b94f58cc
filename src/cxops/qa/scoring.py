"""Scoring one closed conversation against a scorecard: a transcript in, a verdict out, no I/O.

Contracts:

- One scorecard judges bot and human conversations alike. The "agent side" is every bot or
  agent turn; system turns are never judged. A criterion's `applies_to` and `when_intents`
  decide whether it applies at all; a criterion that does not apply has `passed` None and
  weighs nothing.
- Score = weight of passed criteria / weight of applicable criteria * 100 (None when none
  applies). Failing an `auto_fail` criterion sets `auto_failed`; the score is still reported.
- Every verdict, pass, fail or not applicable, carries evidence. Phrase hits point at the
  characters of the original message (see `cxops.triage.text.fold`, which keeps offsets).
- Phrases match whole words, ignoring case, accents and runs of spaces, in any language of the
  list.
- `embed`, e.g. `cxops.assist.retrieval.static_embedder().embed`, returns one L2-normalised row
  per text. It is called once per semantic criterion, with the examples and the candidate turns
  together. Without it semantic checks are skipped (see `RequiredPhrases`).
- Fast: phrase patterns are compiled once per loaded scorecard and kept as long as it is; each
  turn is folded once per transcript. Without semantic criteria, a 20-turn chat against the
  shipped scorecard takes about 0.4 ms on one core (over two thousand a second).
"""

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from weakref import WeakKeyDictionary

import numpy as np
import numpy.typing as npt

from cxops.domain.conversations import MessageRole, Outcome
from cxops.domain.ids import MessageId
from cxops.domain.qa import (
    AGENT_SIDE,
    CriterionResult,
    Evidence,
    QaResult,
    TextSpan,
    Transcript,
)
from cxops.domain.triage import PiiType
from cxops.qa.scorecard import (
    Criterion,
    EmpathyWhenUpset,
    LoadedScorecard,
    Prohibited,
    RequiredOrder,
    RequiredPhrases,
    ResolutionConfirmed,
    ResponseTime,
    Scorecard,
    Semantic,
    SentimentRecovery,
    TransfersAndHolds,
)
from cxops.triage.pii import PLACEHOLDERS, luhn_valid
from cxops.triage.text import fold

__all__ = ["Embed", "score"]

Embed = Callable[[Sequence[str]], npt.NDArray[np.floating[Any]]]
_Verdict = tuple[bool | None, tuple[Evidence, ...]]

_PHRASE_FIELDS: Final = ("phrases", "profanity", "confirmations", "anything_else")
# Gains and shares are sums of floats that people write as 0.3 or 0.9; a hair's rounding must
# not turn an exact pass into a fail.
_TOLERANCE: Final = 1e-9

_CARD_RUN = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)", re.ASCII)
_CARD_SEPARATOR = re.compile(r"[ -]")
_CARD_PLACEHOLDER = re.compile(re.escape(PLACEHOLDERS[PiiType.CARD]))
_MIN_CARD_DIGITS: Final = 13


class _Matcher:
    """A phrase list (all languages) compiled into one pattern over folded, lower-case text."""

    __slots__ = ("_pattern",)

    def __init__(self, phrases: Mapping[str, Sequence[str]]) -> None:
        unique = {" ".join(fold(p).lower().split()) for ps in phrases.values() for p in ps}
        longest_first = sorted(unique, key=lambda p: (-len(p), p))
        body = "|".join(r"\s+".join(map(re.escape, p.split(" "))) for p in longest_first)
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")

    def search(self, folded: str) -> tuple[int, int] | None:
        found = self._pattern.search(folded)
        return found.span() if found else None

    def find_all(self, folded: str) -> Iterator[tuple[int, int]]:
        return (found.span() for found in self._pattern.finditer(folded))


class _Compiled:
    """The matchers of every phrase list of a scorecard, by criterion id and field."""

    def __init__(self, scorecard: Scorecard) -> None:
        self._matchers = {
            (criterion.id, field): _Matcher(phrases)
            for criterion in scorecard.criteria
            for field in _PHRASE_FIELDS
            if (phrases := getattr(criterion, field, None))
        }

    def matcher(self, criterion: Criterion, field: str) -> _Matcher:
        return self._matchers[criterion.id, field]


_COMPILED: WeakKeyDictionary[LoadedScorecard, _Compiled] = WeakKeyDictionary()


def _compiled(loaded: LoadedScorecard) -> _Compiled:
    compiled = _COMPILED.get(loaded)
    if compiled is None:
        compiled = _COMPILED[loaded] = _Compiled(loaded.scorecard)
    return compiled


@dataclass(frozen=True, slots=True)
class _View:
    """A transcript with its turns folded for matching and indexed by side."""

    transcript: Transcript
    folded: tuple[str, ...]
    agent_side: tuple[int, ...]
    customer: tuple[int, ...]

    @classmethod
    def of(cls, transcript: Transcript) -> "_View":
        turns = transcript.turns
        return cls(
            transcript=transcript,
            folded=tuple(fold(turn.text).lower() for turn in turns),
            agent_side=tuple(i for i, turn in enumerate(turns) if turn.role in AGENT_SIDE),
            customer=tuple(i for i, turn in enumerate(turns) if turn.role == MessageRole.CUSTOMER),
        )

    def quote(self, index: int, span: tuple[int, int], note: str) -> Evidence:
        """Evidence of the words at `span` of turn `index`, quoted after `note`."""
        turn = self.transcript.turns[index]
        start, end = span
        return Evidence(
            note=f'{note} "{turn.text[start:end]}"',
            message_ids=(turn.id,),
            span=TextSpan(turn.id, start, end),
        )

    def ids(self, indices: Sequence[int]) -> tuple[MessageId, ...]:
        return tuple(self.transcript.turns[i].id for i in sorted(indices))


def score(
    transcript: Transcript, loaded: LoadedScorecard, *, embed: Embed | None = None
) -> QaResult:
    """Score `transcript` against every criterion of `loaded`."""
    compiled = _compiled(loaded)
    view = _View.of(transcript)
    results = tuple(
        _judge(criterion, view, compiled, embed) for criterion in loaded.scorecard.criteria
    )
    possible = sum(result.possible for result in results)
    earned = sum(result.points for result in results)
    return QaResult(
        conversation_id=transcript.conversation_id,
        scorecard_version=loaded.version_label,
        score=earned / possible * 100 if possible else None,
        auto_failed=any(result.auto_fail and result.passed is False for result in results),
        results=results,
    )


def _judge(
    criterion: Criterion, view: _View, compiled: _Compiled, embed: Embed | None
) -> CriterionResult:
    reason = _not_applicable(criterion, view.transcript)
    passed, evidence = (
        (None, (Evidence(reason),))
        if reason is not None
        else _check(criterion, view, compiled, embed)
    )
    return CriterionResult(
        criterion_id=criterion.id,
        name=criterion.name,
        passed=passed,
        points=criterion.weight if passed else 0.0,
        possible=0.0 if passed is None else criterion.weight,
        auto_fail=criterion.auto_fail,
        evidence=evidence,
    )


def _not_applicable(criterion: Criterion, transcript: Transcript) -> str | None:
    if criterion.applies_to not in ("both", transcript.handled_by):
        return f"judges {criterion.applies_to} conversations only"
    if criterion.when_intents is not None and transcript.intent not in criterion.when_intents:
        return (
            f"intent {transcript.intent or '(unknown)'} is not one of "
            f"{', '.join(criterion.when_intents)}"
        )
    return None


def _check(criterion: Criterion, view: _View, compiled: _Compiled, embed: Embed | None) -> _Verdict:
    match criterion:
        case RequiredPhrases():
            return _required_phrases(criterion, view, compiled, embed)
        case RequiredOrder():
            return _required_order(criterion, view.transcript)
        case Prohibited():
            return _prohibited(criterion, view, compiled)
        case EmpathyWhenUpset():
            return _empathy_when_upset(criterion, view, compiled)
        case SentimentRecovery():
            return _sentiment_recovery(criterion, view)
        case ResolutionConfirmed():
            return _resolution_confirmed(criterion, view, compiled)
        case ResponseTime():
            return _response_time(criterion, view)
        case TransfersAndHolds():
            return _transfers_and_holds(criterion, view.transcript)


def _required_phrases(
    criterion: RequiredPhrases, view: _View, compiled: _Compiled, embed: Embed | None
) -> _Verdict:
    side, who = (
        (view.agent_side, "agent-side")
        if criterion.said_by == "agent_side"
        else (view.customer, "customer")
    )
    if criterion.in_first is not None:
        window, where = side[: criterion.in_first], f"the first {criterion.in_first} {who} turns"
    elif criterion.in_last is not None:
        window, where = side[-criterion.in_last :], f"the last {criterion.in_last} {who} turns"
    else:
        window, where = side, f"any {who} turn"
    if criterion.phrases is None and embed is None:
        return None, (Evidence("only semantic examples to look for, and no embedder given"),)
    if not window:
        return None, (Evidence(f"no {who} turns"),)
    if criterion.phrases is not None:
        matcher = compiled.matcher(criterion, "phrases")
        for index in window:
            span = matcher.search(view.folded[index])
            if span is not None:
                return True, (view.quote(index, span, "said"),)
    if criterion.semantic is not None and embed is not None:
        return _similar(criterion.semantic, view, window, where, embed)
    return False, (Evidence(f"none of the phrases in {where}", message_ids=view.ids(window)),)


def _similar(
    semantic: Semantic, view: _View, window: Sequence[int], where: str, embed: Embed
) -> _Verdict:
    examples = semantic.examples
    turns = [view.transcript.turns[index] for index in window]
    vectors = np.asarray(embed([*examples, *(turn.text for turn in turns)]), dtype=np.float64)
    similarity = vectors[len(examples) :] @ vectors[: len(examples)].T
    best_turn, best_example = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
    best = float(similarity[best_turn, best_example])
    turn = turns[int(best_turn)]
    if best >= semantic.threshold:
        note = f'like "{examples[int(best_example)]}" (similarity {best:.2f})'
        return True, (Evidence(note, message_ids=(turn.id,)),)
    note = (
        f"nothing in {where} matched (closest to the examples: {best:.2f}, needs "
        f"{semantic.threshold:.2f})"
    )
    return False, (Evidence(note, message_ids=view.ids(window)),)


def _required_order(criterion: RequiredOrder, transcript: Transcript) -> _Verdict:
    actions = sorted(
        (action for action in transcript.actions if action.kind in criterion.verify_before),
        key=lambda action: action.at,
    )
    if not actions:
        return None, (Evidence(f"no {', '.join(criterion.verify_before)} action"),)
    verified = transcript.verified_at
    if verified is None:
        return False, tuple(
            Evidence(
                f"{action.kind} ({action.status}) at {action.at.isoformat()}, and identity was "
                "never verified",
                action_id=action.id,
            )
            for action in actions
        )
    early = [action for action in actions if action.at < verified]
    if early:
        return False, tuple(
            Evidence(
                f"{action.kind} ({action.status}) at {action.at.isoformat()}, before identity "
                f"was verified at {verified.isoformat()}",
                action_id=action.id,
            )
            for action in early
        )
    return True, tuple(
        Evidence(
            f"{action.kind} ({action.status}) at {action.at.isoformat()}, after identity was "
            f"verified at {verified.isoformat()}",
            action_id=action.id,
        )
        for action in actions
    )


def _prohibited(criterion: Prohibited, view: _View, compiled: _Compiled) -> _Verdict:
    hits: list[tuple[int, int, Evidence]] = []
    lists = (
        ("phrases", criterion.phrases, "prohibited:"),
        ("profanity", criterion.profanity, "profanity:"),
    )
    for field, phrases, label in lists:
        if phrases is None:
            continue
        matcher = compiled.matcher(criterion, field)
        for index in view.agent_side:
            for span in matcher.find_all(view.folded[index]):
                hits.append((index, span[0], view.quote(index, span, label)))
    if criterion.card_number:
        for index in view.agent_side:
            turn = view.transcript.turns[index]
            for start, end in _card_numbers(turn.text):
                evidence = Evidence(
                    "card number read back",
                    message_ids=(turn.id,),
                    span=TextSpan(turn.id, start, end),
                )
                hits.append((index, start, evidence))
    if hits:
        hits.sort(key=lambda hit: hit[:2])
        return False, tuple(evidence for _, _, evidence in hits)
    return True, (Evidence(f"nothing prohibited in {len(view.agent_side)} agent-side turns"),)


def _card_numbers(text: str) -> Iterator[tuple[int, int]]:
    """Spans of card numbers: Luhn-valid 13-19 digit runs (a trailing CVV or other number kept
    out of the span), and redaction's card placeholder."""
    for found in _CARD_PLACEHOLDER.finditer(text):
        yield found.span()
    for found in _CARD_RUN.finditer(text):
        groups = _CARD_SEPARATOR.split(found.group())
        for count in range(len(groups), 0, -1):
            digits = "".join(groups[:count])
            if len(digits) >= _MIN_CARD_DIGITS and luhn_valid(digits):
                yield found.start(), found.start() + len(digits) + count - 1
                break


def _empathy_when_upset(criterion: EmpathyWhenUpset, view: _View, compiled: _Compiled) -> _Verdict:
    matcher = compiled.matcher(criterion, "phrases")
    upset: dict[int, float] = {}
    judged: list[tuple[bool, Evidence]] = []
    for index, turn in enumerate(view.transcript.turns):
        if turn.role in AGENT_SIDE and upset:
            worst = min(upset.values())
            involved = view.ids([*upset, index])
            span = matcher.search(view.folded[index])
            if span is None:
                note = f"no empathy in the reply to a customer at {worst:+.2f}"
                judged.append((False, Evidence(note, message_ids=involved)))
            else:
                quoted = view.quote(index, span, f"answered a customer at {worst:+.2f} with")
                judged.append((True, Evidence(quoted.note, involved, quoted.span)))
            upset = {}
        elif (
            turn.role == MessageRole.CUSTOMER
            and turn.sentiment is not None
            and turn.sentiment <= criterion.sentiment_at_most
        ):
            upset[index] = turn.sentiment
    if not judged:
        return None, (
            Evidence(f"no reply to a customer at or below {criterion.sentiment_at_most:+.2f}"),
        )
    if all(ok for ok, _ in judged):
        return True, tuple(evidence for _, evidence in judged)
    return False, tuple(evidence for ok, evidence in judged if not ok)


def _sentiment_recovery(criterion: SentimentRecovery, view: _View) -> _Verdict:
    turns = view.transcript.turns
    scored = [(i, s) for i in view.customer if (s := turns[i].sentiment) is not None]
    if not scored:
        return None, (Evidence("no customer turn has a sentiment score"),)
    worst_index, worst = min(scored, key=lambda pair: pair[1])
    if worst >= criterion.floor:
        return None, (Evidence(f"the customer never fell below {criterion.floor:+.2f}"),)
    last_index, last = scored[-1]
    gain = last - worst
    note = f"from {worst:+.2f} to {last:+.2f} ({gain:+.2f}; needs {criterion.min_gain:+.2f})"
    evidence = Evidence(note, message_ids=view.ids(sorted({worst_index, last_index})))
    return gain >= criterion.min_gain - _TOLERANCE, (evidence,)


def _resolution_confirmed(
    criterion: ResolutionConfirmed, view: _View, compiled: _Compiled
) -> _Verdict:
    outcome = view.transcript.outcome
    if outcome is None:
        return None, (Evidence("no outcome recorded"),)
    if outcome != Outcome.RESOLVED:
        return False, (Evidence(f"closed {outcome.value}"),)
    late_customer = view.customer[-criterion.within_last :]
    late_agent = view.agent_side[-criterion.within_last :]
    matcher = compiled.matcher(criterion, "confirmations")
    for index in late_customer:
        span = matcher.search(view.folded[index])
        if span is not None:
            return True, (view.quote(index, span, "resolved; the customer confirmed"),)
    if criterion.anything_else is not None:
        matcher = compiled.matcher(criterion, "anything_else")
        for index in late_agent:
            span = matcher.search(view.folded[index])
            if span is not None:
                return True, (view.quote(index, span, "resolved after asking"),)
    note = "resolved, but neither confirmed by the customer nor closed with anything-else"
    return False, (Evidence(note, message_ids=view.ids([*late_customer, *late_agent])),)


def _response_time(criterion: ResponseTime, view: _View) -> _Verdict:
    transcript = view.transcript
    target = criterion.target_seconds.get(transcript.channel)
    if target is None:
        return None, (Evidence(f"no target for {transcript.channel.value}"),)
    turns = transcript.turns
    waits: list[tuple[int, int, float]] = []
    waiting: int | None = None
    for index, turn in enumerate(turns):
        if turn.role == MessageRole.CUSTOMER:
            if waiting is None:
                waiting = index
        elif turn.role in AGENT_SIDE and waiting is not None:
            seconds = (turn.created_at - turns[waiting].created_at).total_seconds()
            waits.append((waiting, index, seconds))
            waiting = None
    if not waits:
        return None, (Evidence("no agent-side reply to a customer turn"),)
    late = [wait for wait in waits if wait[2] > target]
    on_time = len(waits) - len(late)
    summary = Evidence(
        f"{on_time} of {len(waits)} replies within {target:g} s (needs {criterion.share:.0%})"
    )
    details = tuple(
        Evidence(f"replied after {seconds:.0f} s", message_ids=view.ids([asked, answered]))
        for asked, answered, seconds in late
    )
    return on_time / len(waits) >= criterion.share - _TOLERANCE, (summary, *details)


def _transfers_and_holds(criterion: TransfersAndHolds, transcript: Transcript) -> _Verdict:
    problems: list[Evidence] = []
    if criterion.max_transfers is not None and transcript.transfers > criterion.max_transfers:
        problems.append(
            Evidence(f"{transcript.transfers} transfers; at most {criterion.max_transfers}")
        )
    if criterion.max_holds is not None and len(transcript.holds) > criterion.max_holds:
        problems.append(Evidence(f"{len(transcript.holds)} holds; at most {criterion.max_holds}"))
    if criterion.max_hold_seconds is not None:
        problems.extend(
            Evidence(
                f"hold from {hold.start.isoformat()} lasted {hold.seconds:.0f} s; at most "
                f"{criterion.max_hold_seconds:g} s"
            )
            for hold in transcript.holds
            if hold.seconds > criterion.max_hold_seconds
        )
    if problems:
        return False, tuple(problems)
    longest = max((hold.seconds for hold in transcript.holds), default=0.0)
    note = (
        f"{transcript.transfers} transfers, {len(transcript.holds)} holds, longest {longest:.0f} s"
    )
    return True, (Evidence(note),)

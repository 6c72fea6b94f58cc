"""The QA scorer on hand-built transcripts: verdicts, the evidence behind them, and the score."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from cxops.domain.conversations import Channel, MessageRole, Outcome
from cxops.domain.ids import ActionId, ConversationId, MessageId
from cxops.domain.qa import (
    ActionEvent,
    CriterionResult,
    HandledBy,
    Hold,
    QaResult,
    TextSpan,
    Transcript,
    Turn,
)
from cxops.qa.scorecard import LoadedScorecard, default_scorecard, parse_scorecard
from cxops.qa.scoring import score

START = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
CUSTOMER, BOT, AGENT, SYSTEM = (
    MessageRole.CUSTOMER,
    MessageRole.BOT,
    MessageRole.AGENT,
    MessageRole.SYSTEM,
)


def turn(
    number: int, role: MessageRole, text: str, *, at: float = 0, sentiment: float | None = None
) -> Turn:
    """Turn `m<number>`, said `at` seconds after the start (default: `number` * 10 s)."""
    return Turn(
        id=MessageId(f"m{number}"),
        role=role,
        text=text,
        created_at=START + timedelta(seconds=at or number * 10),
        sentiment=sentiment,
    )


def chat(*turns: Turn, **fields: Any) -> Transcript:
    """A closed chat handled by a person, with `fields` changed."""
    base = Transcript(
        conversation_id=ConversationId("c1"),
        channel=Channel.CHAT,
        handled_by=HandledBy.AGENT,
        turns=turns,
        closed_at=START + timedelta(hours=1),
    )
    return replace(base, **fields)


def card(criteria: str) -> LoadedScorecard:
    return parse_scorecard(f"name: test\nversion: '1'\ncriteria:\n{criteria}", source="test")


def only(result: QaResult) -> CriterionResult:
    (verdict,) = result.results
    return verdict


def quoted(transcript: Transcript, span: TextSpan | None) -> str:
    assert span is not None
    text = next(t.text for t in transcript.turns if t.id == span.message_id)
    return text[span.start : span.end]


def action(name: str, kind: str, *, at: float, status: str = "executed") -> ActionEvent:
    return ActionEvent(
        id=ActionId(name), kind=kind, status=status, at=START + timedelta(seconds=at)
    )


GREETING = card("""\
  - id: greeting
    name: Greets
    kind: required_phrases
    weight: 1
    in_first: 2
    phrases:
      en: [hello, hi, good morning]
      es: [hola, buenos dias]
""")


# required_phrases


def test_that_a_greeting_in_the_first_agent_turns_passes_with_its_span() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "my parcel never came"),
        turn(2, AGENT, "Thanks for waiting. Good  Morning, I'm Ana."),
    )
    verdict = only(score(transcript, GREETING))
    assert verdict.passed is True
    assert (verdict.points, verdict.possible) == (1.0, 1.0)
    (evidence,) = verdict.evidence
    assert evidence.message_ids == (MessageId("m2"),)
    assert quoted(transcript, evidence.span) == "Good  Morning"


def test_that_a_greeting_after_the_window_fails_and_names_the_turns_looked_at() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "where is my order"),
        turn(2, BOT, "Let me check that."),
        turn(3, SYSTEM, "hello from the system"),
        turn(4, AGENT, "One moment."),
        turn(5, AGENT, "Hello, sorry!"),
    )
    verdict = only(score(transcript, GREETING))
    assert verdict.passed is False
    assert (verdict.points, verdict.possible) == (0.0, 1.0)
    assert verdict.evidence[0].message_ids == (MessageId("m2"), MessageId("m4"))


def test_that_phrases_match_whole_words_only() -> None:
    transcript = chat(turn(1, AGENT, "This is Ana, while you wait: chill."))
    assert only(score(transcript, GREETING)).passed is False


def test_that_spanish_matches_regardless_of_accents_and_case_and_points_into_the_original() -> None:
    transcript = chat(turn(1, BOT, "¡Ñandú! ¡BUENOS DÍAS, señora!"), handled_by=HandledBy.BOT)
    verdict = only(score(transcript, GREETING))
    assert verdict.passed is True
    assert quoted(transcript, verdict.evidence[0].span) == "BUENOS DÍAS"


def test_that_a_criterion_with_no_turn_to_judge_does_not_apply() -> None:
    transcript = chat(turn(1, CUSTOMER, "hello?"))
    result = score(transcript, GREETING)
    assert only(result).passed is None
    assert only(result).possible == 0.0
    assert result.score is None


def test_that_a_closing_looks_at_the_last_turns_of_the_agent_side() -> None:
    closing = card("""\
  - {id: closing, name: Closes, kind: required_phrases, weight: 1, in_last: 1,
     phrases: {en: [anything else]}}
""")
    early = chat(turn(1, AGENT, "Anything else?"), turn(2, AGENT, "Bye."))
    late = chat(turn(1, AGENT, "Done."), turn(2, AGENT, "Is there anything else?"))
    assert only(score(early, closing)).passed is False
    assert only(score(late, closing)).passed is True


def test_that_a_customer_phrase_is_looked_for_in_customer_turns_only() -> None:
    consent = card("""\
  - {id: consent, name: Consents, kind: required_phrases, weight: 1, said_by: customer,
     phrases: {en: [i agree]}}
""")
    assert only(score(chat(turn(1, AGENT, "I agree")), consent)).passed is None
    assert only(score(chat(turn(1, CUSTOMER, "ok, I agree")), consent)).passed is True


REFUND = card("""\
  - id: refund_disclosure
    name: Refund disclosure
    kind: required_phrases
    weight: 2
    when_intents: [return_item, refund_status]
    phrases: {en: [original payment method], es: [metodo de pago original]}
    semantic:
      threshold: 0.8
      examples: [Your money goes back to the card you paid with.]
""")
SEMANTIC_ONLY = card("""\
  - id: refund_disclosure
    name: Refund disclosure
    kind: required_phrases
    weight: 2
    semantic: {threshold: 0.8, examples: [Your money goes back to the card you paid with.]}
""")


class FakeEmbedder:
    """Two directions: texts about money, and everything else."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        self.calls.append(list(texts))
        return np.array([[1.0, 0.0] if "money" in t else [0.0, 1.0] for t in texts])


def test_that_a_disclosure_for_other_intents_does_not_apply_and_says_why() -> None:
    transcript = chat(turn(1, AGENT, "Your parcel ships today."), intent="order_status")
    verdict = only(score(transcript, REFUND))
    assert verdict.passed is None
    assert verdict.possible == 0.0
    assert "order_status is not one of return_item, refund_status" in verdict.evidence[0].note


def test_that_a_disclosure_is_required_for_its_intents() -> None:
    silent = chat(turn(1, AGENT, "Return label sent."), intent="return_item")
    told = chat(
        turn(1, AGENT, "Te lo devolvemos a tu método de pago original."), intent="return_item"
    )
    assert only(score(silent, REFUND)).passed is False
    assert quoted(told, only(score(told, REFUND)).evidence[0].span) == "método de pago original"


def test_that_with_an_embedder_a_turn_close_in_meaning_passes() -> None:
    embed = FakeEmbedder()
    transcript = chat(
        turn(1, AGENT, "Return label sent."),
        turn(2, AGENT, "You get the money back on your Visa."),
        intent="refund_status",
    )
    verdict = only(score(transcript, REFUND, embed=embed))
    assert verdict.passed is True
    assert verdict.evidence[0].message_ids == (MessageId("m2"),)
    assert "similarity 1.00" in verdict.evidence[0].note
    assert len(embed.calls) == 1


def test_that_with_an_embedder_nothing_close_in_meaning_fails() -> None:
    transcript = chat(turn(1, AGENT, "Return label sent."), intent="refund_status")
    verdict = only(score(transcript, REFUND, embed=FakeEmbedder()))
    assert verdict.passed is False
    assert "closest to the examples: 0.00, needs 0.80" in verdict.evidence[0].note


def test_that_without_an_embedder_the_phrases_alone_decide() -> None:
    transcript = chat(turn(1, AGENT, "You get the money back on your Visa."), intent="return_item")
    assert only(score(transcript, REFUND)).passed is False


def test_that_a_semantic_only_criterion_without_an_embedder_does_not_apply() -> None:
    transcript = chat(turn(1, AGENT, "You get the money back on your Visa."))
    verdict = only(score(transcript, SEMANTIC_ONLY))
    assert verdict.passed is None
    assert "no embedder" in verdict.evidence[0].note
    assert only(score(transcript, SEMANTIC_ONLY, embed=FakeEmbedder())).passed is True


def test_that_a_criterion_for_bot_conversations_does_not_judge_human_ones() -> None:
    bot_only = card("""\
  - {id: disclose_bot, name: Says it is a bot, kind: required_phrases, weight: 1,
     applies_to: bot, phrases: {en: [virtual assistant]}}
""")
    human = chat(turn(1, AGENT, "Hi"), handled_by=HandledBy.AGENT)
    bot = chat(turn(1, BOT, "Hi"), handled_by=HandledBy.BOT)
    assert only(score(human, bot_only)).passed is None
    assert "judges bot conversations only" in only(score(human, bot_only)).evidence[0].note
    assert only(score(bot, bot_only)).passed is False


# required_order

IDENTITY = card("""\
  - {id: identity, name: Identity first, kind: required_order, weight: 3, auto_fail: true,
     verify_before: [issue_refund, cancel_order, change_address]}
""")


def test_that_a_refund_before_verification_fails_pointing_at_the_refund() -> None:
    transcript = chat(
        actions=(
            action("a1", "create_return", at=10),
            action("a2", "issue_refund", at=20),
            action("a3", "cancel_order", at=90),
        ),
        verified_at=START + timedelta(seconds=60),
    )
    result = score(transcript, IDENTITY)
    verdict = only(result)
    assert verdict.passed is False
    assert [e.action_id for e in verdict.evidence] == [ActionId("a2")]
    assert "before identity was verified at 2026-11-03T10:01:00+00:00" in verdict.evidence[0].note
    assert result.auto_failed is True
    assert result.score == 0.0


def test_that_actions_after_verification_pass_with_each_action_as_evidence() -> None:
    transcript = chat(
        actions=(action("a2", "cancel_order", at=61), action("a1", "issue_refund", at=60)),
        verified_at=START + timedelta(seconds=60),
    )
    verdict = only(score(transcript, IDENTITY))
    assert verdict.passed is True
    assert [e.action_id for e in verdict.evidence] == [ActionId("a1"), ActionId("a2")]


def test_that_an_action_without_any_verification_fails_even_when_only_proposed() -> None:
    transcript = chat(actions=(action("a1", "change_address", at=5, status="proposed"),))
    verdict = only(score(transcript, IDENTITY))
    assert verdict.passed is False
    assert verdict.evidence[0].action_id == ActionId("a1")
    assert "never verified" in verdict.evidence[0].note


def test_that_identity_order_does_not_apply_without_a_guarded_action() -> None:
    transcript = chat(actions=(action("a1", "create_return", at=5),))
    assert only(score(transcript, IDENTITY)).passed is None
    assert score(transcript, IDENTITY).auto_failed is False


# prohibited

PROHIBITED = card("""\
  - id: prohibited
    name: Nothing prohibited
    kind: prohibited
    weight: 3
    auto_fail: true
    phrases: {en: [guarantee, i promise, 100%], es: [garantizo]}
    profanity: {en: [damn], es: [mierda]}
    card_number: true
""")


def test_that_a_promise_by_the_agent_fails_with_the_words_marked() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "can you guarantee it arrives?"),
        turn(2, AGENT, "Yes, I PROMISE: it's 100% there by Friday, I guarantee it."),
    )
    verdict = only(score(transcript, PROHIBITED))
    assert verdict.passed is False
    assert [quoted(transcript, e.span) for e in verdict.evidence] == [
        "I PROMISE",
        "100%",
        "guarantee",
    ]
    assert {e.message_ids for e in verdict.evidence} == {(MessageId("m2"),)}


def test_that_the_customer_may_say_anything() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "damn, I want a guarantee, card 4111 1111 1111 1111"),
        turn(2, AGENT, "I understand."),
    )
    verdict = only(score(transcript, PROHIBITED))
    assert verdict.passed is True
    assert verdict.evidence[0].note == "nothing prohibited in 1 agent-side turns"


def test_that_spanish_profanity_is_caught() -> None:
    transcript = chat(turn(1, AGENT, "Vaya mierda de envío, lo garantizo."))
    verdict = only(score(transcript, PROHIBITED))
    assert [quoted(transcript, e.span) for e in verdict.evidence] == ["mierda", "garantizo"]
    assert verdict.evidence[0].note == 'profanity: "mierda"'


def test_that_a_card_number_read_back_is_caught_without_its_cvv() -> None:
    transcript = chat(turn(1, BOT, "Card 4111-1111-1111-1111 123 is on file."))
    verdict = only(score(transcript, PROHIBITED))
    (evidence,) = verdict.evidence
    assert quoted(transcript, evidence.span) == "4111-1111-1111-1111"
    assert evidence.note == "card number read back"


def test_that_numbers_failing_luhn_and_last_four_digits_are_allowed() -> None:
    transcript = chat(
        turn(1, AGENT, "Order 4111 1111 1111 1112 was paid with the card ending 1111.")
    )
    assert only(score(transcript, PROHIBITED)).passed is True


def test_that_a_redacted_card_in_an_agent_turn_counts_as_read_back() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "my card is [CARD]"),
        turn(2, AGENT, "I have [CARD], is that right?"),
    )
    (evidence,) = only(score(transcript, PROHIBITED)).evidence
    assert evidence.message_ids == (MessageId("m2"),)
    assert quoted(transcript, evidence.span) == "[CARD]"


# empathy_when_upset

EMPATHY = card("""\
  - id: empathy
    name: Empathy
    kind: empathy_when_upset
    weight: 2
    sentiment_at_most: -0.4
    phrases: {en: [sorry, i understand], es: [lo siento]}
""")


def test_that_an_upset_customer_answered_with_empathy_passes() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "This is the third time!!", sentiment=-0.7),
        turn(2, AGENT, "I'm so sorry about that."),
    )
    verdict = only(score(transcript, EMPATHY))
    assert verdict.passed is True
    assert verdict.evidence[0].message_ids == (MessageId("m1"), MessageId("m2"))
    assert quoted(transcript, verdict.evidence[0].span) == "sorry"


def test_that_a_reply_without_empathy_fails_naming_both_turns() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "Awful service", sentiment=-0.6),
        turn(2, CUSTOMER, "and nobody answers", sentiment=-0.2),
        turn(3, CUSTOMER, "useless", sentiment=-0.8),
        turn(4, AGENT, "Order number?"),
        turn(5, CUSTOMER, "W123", sentiment=-0.5),
        turn(6, AGENT, "Lo siento, ya lo veo."),
    )
    verdict = only(score(transcript, EMPATHY))
    assert verdict.passed is False
    (evidence,) = verdict.evidence
    assert evidence.message_ids == (MessageId("m1"), MessageId("m3"), MessageId("m4"))
    assert "-0.80" in evidence.note


def test_that_empathy_does_not_apply_when_nobody_was_upset_or_nobody_answered() -> None:
    calm = chat(turn(1, CUSTOMER, "hi", sentiment=0.1), turn(2, AGENT, "Hello"))
    unanswered = chat(turn(1, AGENT, "Hello"), turn(2, CUSTOMER, "bad", sentiment=-0.9))
    assert only(score(calm, EMPATHY)).passed is None
    assert only(score(unanswered, EMPATHY)).passed is None


# sentiment_recovery

RECOVERY = card("""\
  - {id: recovery, name: Recovery, kind: sentiment_recovery, weight: 2, floor: -0.3,
     min_gain: 0.3}
""")


def test_that_a_customer_who_calmed_down_passes() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "meh", sentiment=-0.1),
        turn(2, CUSTOMER, "terrible", sentiment=-0.4),
        turn(3, AGENT, "Sorry"),
        turn(4, CUSTOMER, "ok thanks", sentiment=-0.1),
    )
    verdict = only(score(transcript, RECOVERY))
    assert verdict.passed is True
    assert verdict.evidence[0].message_ids == (MessageId("m2"), MessageId("m4"))
    assert verdict.evidence[0].note == "from -0.40 to -0.10 (+0.30; needs +0.30)"


def test_that_a_customer_who_stayed_upset_fails() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "terrible", sentiment=-0.8),
        turn(2, CUSTOMER, "still bad", sentiment=-0.6),
    )
    assert only(score(transcript, RECOVERY)).passed is False


def test_that_recovery_does_not_apply_to_a_customer_never_below_the_floor() -> None:
    transcript = chat(turn(1, CUSTOMER, "fine", sentiment=-0.3), turn(2, CUSTOMER, "ok"))
    assert only(score(transcript, RECOVERY)).passed is None


# resolution_confirmed

RESOLUTION = card("""\
  - id: resolution
    name: Resolution
    kind: resolution_confirmed
    weight: 3
    within_last: 2
    confirmations: {en: [that fixed it, that's all], es: [eso es todo]}
    anything_else: {en: [anything else], es: [algo mas]}
""")


def test_that_a_customer_confirming_a_resolved_conversation_passes() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "it broke"),
        turn(2, AGENT, "Try restarting it."),
        turn(3, CUSTOMER, "Yes that fixed it"),
        outcome=Outcome.RESOLVED,
    )
    verdict = only(score(transcript, RESOLUTION))
    assert verdict.passed is True
    assert quoted(transcript, verdict.evidence[0].span) == "that fixed it"


def test_that_asking_anything_else_before_a_resolved_close_passes() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "¿dónde está?"),
        turn(2, BOT, "Llega mañana. ¿Algo más?"),
        outcome=Outcome.RESOLVED,
        handled_by=HandledBy.BOT,
    )
    verdict = only(score(transcript, RESOLUTION))
    assert verdict.passed is True
    assert quoted(transcript, verdict.evidence[0].span) == "Algo más"


def test_that_an_unconfirmed_or_early_confirmation_fails() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "that's all I know"),
        turn(2, CUSTOMER, "hmm"),
        turn(3, CUSTOMER, "ok"),
        turn(4, AGENT, "Done."),
        outcome=Outcome.RESOLVED,
    )
    verdict = only(score(transcript, RESOLUTION))
    assert verdict.passed is False
    assert verdict.evidence[0].message_ids == (MessageId("m2"), MessageId("m3"), MessageId("m4"))


def test_that_an_unresolved_outcome_fails_and_no_outcome_does_not_apply() -> None:
    confirmed = (turn(1, CUSTOMER, "that's all"),)
    unresolved = only(score(chat(*confirmed, outcome=Outcome.ABANDONED), RESOLUTION))
    assert unresolved.passed is False
    assert unresolved.evidence[0].note == "closed abandoned"
    assert only(score(chat(*confirmed), RESOLUTION)).passed is None


# response_time

SPEED = card("""\
  - {id: speed, name: Speed, kind: response_time, weight: 2, share: 0.75,
     target_seconds: {chat: 60, email: 86400}}
""")


def test_that_replies_are_timed_from_the_first_unanswered_customer_turn() -> None:
    transcript = chat(
        turn(1, CUSTOMER, "hi", at=1),
        turn(2, CUSTOMER, "anyone?", at=50),
        turn(3, AGENT, "Hello", at=70),
        turn(4, CUSTOMER, "my order", at=80),
        turn(5, SYSTEM, "transferred", at=85),
        turn(6, AGENT, "Looking", at=100),
        turn(7, AGENT, "Found it", at=500),
        turn(8, CUSTOMER, "thanks bye", at=900),
    )
    verdict = only(score(transcript, SPEED))
    assert verdict.passed is False
    summary, late = verdict.evidence
    assert summary.note == "1 of 2 replies within 60 s (needs 75%)"
    assert late.message_ids == (MessageId("m1"), MessageId("m3"))
    assert late.note == "replied after 69 s"


def test_that_enough_replies_on_time_pass_and_the_late_ones_are_still_shown() -> None:
    turns = []
    for n in range(4):
        turns.append(turn(2 * n + 1, CUSTOMER, "q", at=100 * n + 1))
        turns.append(turn(2 * n + 2, AGENT, "a", at=100 * n + (90 if n == 3 else 30)))
    verdict = only(score(chat(*turns), SPEED))
    assert verdict.passed is True
    assert [e.message_ids for e in verdict.evidence[1:]] == [(MessageId("m7"), MessageId("m8"))]


def test_that_each_channel_has_its_own_target() -> None:
    slow = (turn(1, CUSTOMER, "q", at=1), turn(2, AGENT, "a", at=3600))
    assert only(score(chat(*slow, channel=Channel.EMAIL), SPEED)).passed is True
    assert only(score(chat(*slow, channel=Channel.CHAT), SPEED)).passed is False
    voice = only(score(chat(*slow, channel=Channel.VOICE), SPEED))
    assert voice.passed is None
    assert voice.evidence[0].note == "no target for voice"


# transfers_and_holds

TRANSFERS = card("""\
  - {id: transfers, name: Transfers, kind: transfers_and_holds, weight: 1,
     max_transfers: 1, max_holds: 2, max_hold_seconds: 120}
""")


def hold(start: float, seconds: float) -> Hold:
    return Hold(START + timedelta(seconds=start), START + timedelta(seconds=start + seconds))


def test_that_too_many_transfers_and_a_long_hold_fail_each_with_a_note() -> None:
    transcript = chat(transfers=2, holds=(hold(0, 60), hold(100, 180)))
    verdict = only(score(transcript, TRANSFERS))
    assert verdict.passed is False
    assert [e.note for e in verdict.evidence] == [
        "2 transfers; at most 1",
        "hold from 2026-11-03T10:01:40+00:00 lasted 180 s; at most 120 s",
    ]


def test_that_transfers_and_holds_within_limits_pass() -> None:
    transcript = chat(transfers=1, holds=(hold(0, 60), hold(100, 120)))
    verdict = only(score(transcript, TRANSFERS))
    assert verdict.passed is True
    assert verdict.evidence[0].note == "1 transfers, 2 holds, longest 120 s"


# the score


def test_that_the_score_weighs_applicable_criteria_and_auto_fail_keeps_it() -> None:
    loaded = card("""\
  - {id: greeting, name: Greets, kind: required_phrases, weight: 1, phrases: {en: [hello]}}
  - {id: clean, name: Clean, kind: prohibited, weight: 3, auto_fail: true,
     phrases: {en: [guarantee]}}
  - {id: recovery, name: Recovery, kind: sentiment_recovery, weight: 5, floor: -0.5,
     min_gain: 0.3}
  - {id: speed, name: Speed, kind: response_time, weight: 4, target_seconds: {chat: 60}}
""")
    transcript = chat(
        turn(1, CUSTOMER, "hi", sentiment=0.2),
        turn(2, AGENT, "Hello! I guarantee it."),
    )
    result = score(transcript, loaded)
    assert [r.passed for r in result.results] == [True, False, None, True]
    assert result.score == pytest.approx(100 * 5 / 8)
    assert result.auto_failed is True
    assert result.scorecard_version == loaded.version_label
    assert result.conversation_id == ConversationId("c1")


def test_that_a_sentiment_outside_minus_one_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        turn(1, CUSTOMER, "?", sentiment=-1.5)


# the shipped scorecard, bot and human alike


def results_by_id(result: QaResult) -> dict[str, bool | None]:
    return {r.criterion_id: r.passed for r in result.results}


def test_that_a_good_spanish_bot_conversation_scores_full_marks() -> None:
    transcript = Transcript(
        conversation_id=ConversationId("c-bot"),
        channel=Channel.CHAT,
        handled_by=HandledBy.BOT,
        turns=(
            turn(1, BOT, "¡Hola! Soy el asistente virtual. ¿En qué te ayudo?"),
            turn(2, CUSTOMER, "Quiero devolver unas zapatillas, llegaron rotas", sentiment=-0.5),
            turn(3, BOT, "Lo siento mucho. Para empezar, ¿me das tu correo?"),
            turn(4, CUSTOMER, "[EMAIL]", sentiment=0.0),
            turn(
                5,
                BOT,
                "Listo: te reembolsamos 59,90 € a tu método de pago original en 5 días hábiles. "
                "¿Puedo ayudarte en algo más?",
            ),
            turn(6, CUSTOMER, "No, eso es todo, muchas gracias", sentiment=0.6),
        ),
        closed_at=START + timedelta(minutes=5),
        actions=(action("a1", "create_return", at=45), action("a2", "issue_refund", at=46)),
        verified_at=START + timedelta(seconds=41),
        outcome=Outcome.RESOLVED,
        intent="return_item",
    )
    result = score(transcript, default_scorecard())
    assert all(r.passed is not False for r in result.results), result.results
    assert result.score == 100.0
    assert result.auto_failed is False


def test_that_the_same_card_fails_a_human_agent_who_refunds_first_and_promises() -> None:
    transcript = Transcript(
        conversation_id=ConversationId("c-human"),
        channel=Channel.CHAT,
        handled_by=HandledBy.AGENT,
        turns=(
            turn(1, CUSTOMER, "my package is lost, this is ridiculous", sentiment=-0.7),
            turn(2, AGENT, "Refund done. It will definitely arrive next time, I promise."),
            turn(3, CUSTOMER, "whatever", sentiment=-0.6),
        ),
        closed_at=START + timedelta(minutes=5),
        actions=(action("a1", "issue_refund", at=15),),
        verified_at=None,
        outcome=Outcome.UNRESOLVED,
        intent="missing_delivery",
    )
    result = score(transcript, default_scorecard())
    assert results_by_id(result) == {
        "greeting": False,
        "closing": False,
        "refund_disclosure": None,
        "identity_before_action": False,
        "no_prohibited_content": False,
        "empathy_when_upset": False,
        "sentiment_recovery": False,
        "resolution_confirmed": False,
        "response_time": True,
        "transfers_and_holds": True,
    }
    assert result.auto_failed is True
    prohibited = next(r for r in result.results if r.criterion_id == "no_prohibited_content")
    assert [quoted(transcript, e.span) for e in prohibited.evidence] == [
        "definitely arrive",
        "I promise",
    ]

import pytest

from cxops.domain.triage import Sentiment, SentimentLabel, Urgency, UrgencyLevel
from cxops.triage.sensitive import find_sensitive_topics
from cxops.triage.sentiment import score_sentiment
from cxops.triage.urgency import NEGATIVE_SENTIMENT_THRESHOLD, assess_urgency

LOW = UrgencyLevel.LOW
NORMAL = UrgencyLevel.NORMAL
HIGH = UrgencyLevel.HIGH
CRITICAL = UrgencyLevel.CRITICAL

CALM = Sentiment(score=0.0, label=SentimentLabel.NEUTRAL)
FURIOUS = Sentiment(score=-0.9, label=SentimentLabel.NEGATIVE)


def urgency(text: str, *, repeat_contact: bool = False, vip: bool = False) -> Urgency:
    return assess_urgency(
        text=text,
        sentiment=score_sentiment(text),
        sensitive_topics=find_sensitive_topics(text),
        repeat_contact=repeat_contact,
        vip=vip,
    )


def calm_urgency(text: str, *, repeat_contact: bool = False, vip: bool = False) -> Urgency:
    """Urgency with the tone held neutral, to test one rule at a time."""
    return assess_urgency(
        text=text,
        sentiment=CALM,
        sensitive_topics=find_sensitive_topics(text),
        repeat_contact=repeat_contact,
        vip=vip,
    )


@pytest.mark.parametrize(
    "text",
    [
        "The charger caught fire last night",
        "there is smoke coming out of the heater",
        "I got an electric shock from the lamp",
        "my son was choking on a loose part",
        "the kettle burnt my hand",
        "I was injured by the treadmill",
        "El cargador se incendió",
        "sale humo de la tostadora",
    ],
)
def test_that_a_safety_hazard_is_critical(text: str) -> None:
    assert calm_urgency(text) == Urgency(level=CRITICAL, reasons=("safety",))


@pytest.mark.parametrize(
    "text",
    ["My card was stolen and used on your site", "my account was hacked", "identity theft"],
)
def test_that_a_live_compromise_is_critical_fraud(text: str) -> None:
    assert calm_urgency(text) == Urgency(level=CRITICAL, reasons=("fraud",))


@pytest.mark.parametrize(
    "text", ["There is an unauthorised charge from you", "this looks like fraud to me"]
)
def test_that_a_fraudulent_charge_is_high(text: str) -> None:
    assert calm_urgency(text) == Urgency(level=HIGH, reasons=("fraud",))


@pytest.mark.parametrize(
    "text",
    [
        "I'm speaking to my lawyer",
        "I will sue you",
        "see you in court",
        "I'm reporting you to trading standards",
        "I'll write to the attorney general",
        "voy a demandarlos",
    ],
)
def test_that_a_legal_threat_is_high(text: str) -> None:
    assert calm_urgency(text) == Urgency(level=HIGH, reasons=("legal_threat",))


@pytest.mark.parametrize("text", ["I'll do a chargeback", "I'm going to call my bank"])
def test_that_a_chargeback_is_high(text: str) -> None:
    assert calm_urgency(text) == Urgency(level=HIGH, reasons=("chargeback",))


@pytest.mark.parametrize(
    "text",
    [
        "I need it today",
        "can it arrive by tomorrow?",
        "I need the dress for my sister's wedding on the 14th",
        "it's a present for a birthday",
        "please send it asap",
        "this is urgent",
        "it must be here by Friday",
        "lo necesito para mañana",
        "es urgente",
        "es para mi boda",
    ],
)
def test_that_a_deadline_is_high(text: str) -> None:
    assert calm_urgency(text) == Urgency(level=HIGH, reasons=("deadline",))


@pytest.mark.parametrize(
    "text",
    [
        "Does the smoke detector come with batteries?",
        "I ordered a fire pit for the garden",
        "Is the Fire TV stick in stock?",
        "¿El detector de humo incluye pilas?",
        "the chocolate arrived melted",
    ],
)
def test_that_safety_products_and_harmless_words_are_not_hazards(text: str) -> None:
    assert calm_urgency(text).level is NORMAL


def test_that_today_on_its_own_is_not_a_deadline() -> None:
    assert calm_urgency("I placed an order today, where is the confirmation?").level is NORMAL


def test_that_a_data_protection_request_is_sensitive_but_not_urgent() -> None:
    assert calm_urgency("Please delete my data under GDPR") == Urgency(level=NORMAL, reasons=())


@pytest.mark.parametrize(
    "text",
    ["Where is my order?", "Can I return these shoes", "mi pedido W1004217", "reembolso"],
)
def test_that_an_ordinary_request_is_normal(text: str) -> None:
    assert urgency(text) == Urgency(level=NORMAL, reasons=())


@pytest.mark.parametrize(
    "text",
    ["Hi", "Thanks, great service!", "", "gracias por todo", "Love the jacket", "ok 👍"],
)
def test_that_greetings_thanks_and_feedback_are_low(text: str) -> None:
    assert urgency(text) == Urgency(level=LOW, reasons=())


def test_that_an_unhappy_message_without_a_request_is_still_normal() -> None:
    assert urgency("I'm disappointed").level is NORMAL


def test_that_a_repeat_contact_raises_the_level_one_step() -> None:
    assert calm_urgency("Where is my order?", repeat_contact=True) == Urgency(
        level=HIGH, reasons=("repeat_contact",)
    )


def test_that_a_repeat_contact_said_in_the_text_counts() -> None:
    text = "Third time I'm asking where my order is"
    assert "repeat_contact" in urgency(text).reasons
    assert urgency(text).level is HIGH


def test_that_a_vip_raises_the_level_one_step() -> None:
    assert calm_urgency("Hi", vip=True) == Urgency(level=NORMAL, reasons=("vip",))


def test_that_a_vip_with_a_deadline_is_critical() -> None:
    assert calm_urgency("I need it today", vip=True) == Urgency(
        level=CRITICAL, reasons=("deadline", "vip")
    )


def test_that_circumstances_alone_stop_at_high() -> None:
    result = assess_urgency(
        text="Where is my parcel?",
        sentiment=FURIOUS,
        sensitive_topics=(),
        repeat_contact=True,
        vip=True,
    )
    assert result == Urgency(level=HIGH, reasons=("repeat_contact", "vip", "negative_sentiment"))


def test_that_nothing_goes_above_critical() -> None:
    text = "The heater caught fire"
    result = assess_urgency(
        text=text,
        sentiment=FURIOUS,
        sensitive_topics=find_sensitive_topics(text),
        repeat_contact=True,
        vip=True,
    )
    assert result.level is CRITICAL
    assert result.reasons == ("safety", "repeat_contact", "vip", "negative_sentiment")


def test_that_a_strongly_negative_tone_raises_the_level() -> None:
    angry = Sentiment(score=NEGATIVE_SENTIMENT_THRESHOLD, label=SentimentLabel.NEGATIVE)
    result = assess_urgency(text="Where is my order?", sentiment=angry, sensitive_topics=())
    assert result == Urgency(level=HIGH, reasons=("negative_sentiment",))


def test_that_a_mildly_negative_tone_does_not_raise_the_level() -> None:
    unhappy = Sentiment(score=-0.3, label=SentimentLabel.NEGATIVE)
    result = assess_urgency(text="Where is my order?", sentiment=unhappy, sensitive_topics=())
    assert result == Urgency(level=NORMAL, reasons=())


def test_that_reasons_come_in_a_stable_order() -> None:
    text = "I need it today or I'll do a chargeback, and my lawyer agrees; the box was smoking"
    result = calm_urgency(text, vip=True)
    assert result.reasons == ("safety", "legal_threat", "chargeback", "deadline", "vip")
    assert result.level is CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😡" * 50,
        "1 " * 10_000,
        " " * 20_000,
        "urgent " * 3000,
        "Hola, I need it hoy, c'est urgent",
        "\u200f\u200e\u05e9\u05dc\u05d5\u05dd\u200d\u200c fire?",
        "cafe\u0301 mai\u0303ana",
        "\u0130STANBUL \u0131 \u00df \ufb01",
        "lone \ud800 surrogates \udfff from JSON: where is my order? fraud 415-555-0132",
    ],
)
def test_that_odd_inputs_are_graded_without_crashing(text: str) -> None:
    assert urgency(text).level in set(UrgencyLevel)

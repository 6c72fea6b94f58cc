import pytest

from cxops.domain.triage import SentimentLabel, SentimentTrajectory
from cxops.triage.sentiment import (
    NEGATIVE_CUTOFF,
    POSITIVE_CUTOFF,
    PREFIX_CHARS,
    score_sentiment,
    trajectory,
)

EDGE_INPUTS = [
    "",
    "   \n\t ",
    "😡😡😡",
    "👍🏽👨‍👩‍👧",
    "1234567 89",
    "!!!???",
    "where is my order " * 1200,
    "1 " * 10_000,
    "Hola, my order no ha llegado, c'est inacceptable",
    "\u200f\u200e\u05e9\u05dc\u05d5\u05dd\u200d\u200c where is it?",
    "cafe\u0301 re\u0301sume\u0301 n\u0303",
    "\ufeff\u202ehello\u202c",
    "\u0130STANBUL \u0131 \u00df \ufb01",
    "lone \ud800 surrogates \udfff from JSON: where is my order? fraud 415-555-0132",
]


@pytest.mark.parametrize(
    "text",
    [
        "My order still hasn't arrived",
        "This is the third time I'm asking about my refund",
        "Nobody answers the phone",
        "My package was marked delivered but I never got it",
        "The blender stopped working after two days",
        "Your service is a joke",
    ],
)
def test_that_retail_complaints_read_negative(text: str) -> None:
    assert score_sentiment(text).label is SentimentLabel.NEGATIVE


@pytest.mark.parametrize(
    "text",
    ["Thanks so much, great service!", "Love the jacket, it fits perfectly", "thank you!!"],
)
def test_that_thanks_and_praise_read_positive(text: str) -> None:
    assert score_sentiment(text).label is SentimentLabel.POSITIVE


@pytest.mark.parametrize(
    "text",
    [
        "Can you please help me track my order?",
        "I'd like to cancel my order please",
        "How do I use my gift card and loyalty rewards?",
        "Where is my order?",
    ],
)
def test_that_plain_requests_read_neutral(text: str) -> None:
    assert score_sentiment(text).label is SentimentLabel.NEUTRAL


def test_that_a_curly_apostrophe_negates_like_a_straight_one() -> None:
    straight = score_sentiment("It still hasn't arrived and it isn't good")
    curly = score_sentiment("It still hasn\u2019t arrived and it isn\u2019t good")
    assert curly.score == straight.score < 0


def test_that_an_email_sign_off_does_not_soften_a_complaint() -> None:
    bare = score_sentiment("The parcel is damaged and nobody answers.")
    signed = score_sentiment("The parcel is damaged and nobody answers.\nBest regards,\nJane")
    assert signed.score == bare.score


@pytest.mark.parametrize(
    "text",
    [
        "Mi pedido todavía no ha llegado",
        "Estoy muy enfadado, el producto llegó roto",
        "Es una vergüenza, nadie me contesta",
        "No estoy contento con el servicio",
        "pesimo servicio, sigo esperando",
    ],
)
def test_that_spanish_complaints_read_negative(text: str) -> None:
    assert score_sentiment(text).label is SentimentLabel.NEGATIVE


@pytest.mark.parametrize(
    "text",
    ["Muchas gracias por la ayuda", "Excelente servicio, muy amables", "No hay problema, gracias"],
)
def test_that_spanish_thanks_read_positive(text: str) -> None:
    assert score_sentiment(text).label is SentimentLabel.POSITIVE


def test_that_spanish_negation_turns_praise_into_complaint() -> None:
    assert score_sentiment("Estoy contento").score > 0 > score_sentiment("No estoy contento").score


@pytest.mark.parametrize(
    "text",
    [
        "",
        "My order still hasn't arrived",
        "Thanks!",
        "WORST. SERVICE. EVER!!! f*** this",
        "Hola",
        "ok",
    ],
)
def test_that_the_label_follows_the_cutoffs(text: str) -> None:
    sentiment = score_sentiment(text)
    if sentiment.score >= POSITIVE_CUTOFF:
        assert sentiment.label is SentimentLabel.POSITIVE
    elif sentiment.score <= NEGATIVE_CUTOFF:
        assert sentiment.label is SentimentLabel.NEGATIVE
    else:
        assert sentiment.label is SentimentLabel.NEUTRAL


def test_that_scores_stay_within_minus_one_and_one() -> None:
    furious = "terrible horrible awful worst scam never again nobody answers!!! " * 20
    delighted = "wonderful amazing excellent perfect love it thank you!!! " * 20
    assert -1.0 <= score_sentiment(furious).score < -0.9
    assert 0.9 < score_sentiment(delighted).score <= 1.0


def test_that_mostly_capital_words_are_shouting() -> None:
    assert "shouting" in score_sentiment("WHERE IS MY ORDER, I PAID TWO WEEKS AGO").frustration


def test_that_a_few_acronyms_are_not_shouting() -> None:
    text = "I sent it back via UPS from the USA, the RMA number is on the box"
    assert "shouting" not in score_sentiment(text).frustration


@pytest.mark.parametrize("text", ["Where is it!!!", "Seriously???", "are you kidding?!?", "¡¡Ya!!"])
def test_that_repeated_punctuation_is_a_frustration_signal(text: str) -> None:
    assert "repeated_punctuation" in score_sentiment(text).frustration


def test_that_single_punctuation_is_not_a_frustration_signal() -> None:
    assert score_sentiment("Where is it? Thanks!").frustration == ()


@pytest.mark.parametrize(
    "text",
    [
        "this is fucking ridiculous",
        "this is f***ing ridiculous",
        "what the f***",
        "absolute sh*t service",
        "wtf is going on",
        "esto es una mierda",
    ],
)
def test_that_profanity_is_a_frustration_signal_even_when_masked(text: str) -> None:
    assert "profanity" in score_sentiment(text).frustration


@pytest.mark.parametrize(
    "text",
    ["This is **important**", "write to a@b.com", "order #1004217", "Scunthorpe pass assess"],
)
def test_that_emphasis_addresses_and_innocent_words_are_not_profanity(text: str) -> None:
    assert "profanity" not in score_sentiment(text).frustration


@pytest.mark.parametrize(
    "text",
    [
        "This is the third time I'm asking",
        "I'm writing again about my refund",
        "still waiting for my parcel",
        "I already told you the address",
        "asking for the 2nd time",
        "I've called three times",
        "es la tercera vez que escribo",
        "sigo esperando el reembolso",
        "he llamado ya tres veces",
    ],
)
def test_that_repeat_contact_phrases_are_a_frustration_signal(text: str) -> None:
    assert "repeat_contact" in score_sentiment(text).frustration


@pytest.mark.parametrize(
    "text", ["I'd love to order this again", "lo he usado muchas veces y me encanta"]
)
def test_that_again_or_many_times_alone_is_not_a_repeat_contact(text: str) -> None:
    assert "repeat_contact" not in score_sentiment(text).frustration


def test_that_frustration_signals_come_in_a_stable_order() -> None:
    sentiment = score_sentiment("THIRD TIME I'M ASKING, WHERE IS MY F***ING ORDER???")
    assert sentiment.frustration == (
        "shouting",
        "repeated_punctuation",
        "profanity",
        "repeat_contact",
    )


def test_that_only_the_opening_of_a_long_message_is_read() -> None:
    text = "Thanks, lovely service!" + " " * PREFIX_CHARS + "terrible awful scam " * 100
    assert score_sentiment(text).label is SentimentLabel.POSITIVE


@pytest.mark.parametrize("text", EDGE_INPUTS)
def test_that_odd_inputs_are_scored_without_crashing(text: str) -> None:
    sentiment = score_sentiment(text)
    assert -1.0 <= sentiment.score <= 1.0


def test_that_a_single_turn_has_no_trend() -> None:
    assert trajectory([-0.4]) == SentimentTrajectory(current=-0.4, minimum=-0.4, trend=0.0, turns=1)


def test_that_the_trend_is_the_least_squares_slope_per_turn() -> None:
    result = trajectory([0.5, 0.25, 0.0, -0.25])
    assert result.trend == pytest.approx(-0.25)
    assert (result.current, result.minimum, result.turns) == (-0.25, -0.25, 4)


def test_that_a_recovering_conversation_trends_up_but_keeps_its_low_point() -> None:
    result = trajectory([-0.2, -0.8, -0.3, 0.4])
    assert result.trend > 0
    assert result.minimum == -0.8
    assert result.current == 0.4


def test_that_an_empty_history_is_a_neutral_trajectory_of_no_turns() -> None:
    result = trajectory([])
    assert (result.current, result.minimum, result.trend, result.turns) == (0.0, 0.0, 0.0, 0)

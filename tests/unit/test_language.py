import pytest

from cxops.domain.triage import Language
from cxops.triage.language import DEFAULT_LANGUAGES, PREFIX_CHARS, LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Where is my order? It should have arrived on Monday.", "en"),
        ("Where is my order?", "en"),
        ("Mi pedido todavía no ha llegado", "es"),
        ("necesito ayuda", "es"),
        ("Bonjour, ma commande n'est pas arrivée", "fr"),
        ("Wo ist meine Bestellung?", "de"),
        ("Dov'è il mio ordine?", "it"),
        ("Onde está a minha encomenda?", "pt"),
        ("Waar is mijn bestelling?", "nl"),
    ],
)
def test_that_each_default_language_is_recognised(
    detector: LanguageDetector, text: str, code: str
) -> None:
    language = detector.detect(text)
    assert language.code == code
    assert 0.0 < language.confidence <= 1.0


def test_that_a_clear_sentence_is_detected_with_high_confidence(detector: LanguageDetector) -> None:
    assert detector.detect("Wo ist meine Bestellung? Ich warte seit zwei Wochen.").confidence > 0.9


@pytest.mark.parametrize(
    "text", ["", "   \n", "👍👍", "😡🔥💯", "12345", "W-1004217 / 94103", "!!!???", "\u200f\u200d"]
)
def test_that_a_text_without_letters_is_undetermined(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == Language(code="und", confidence=0.0)


def test_that_a_mixed_language_message_gets_one_of_its_languages(
    detector: LanguageDetector,
) -> None:
    language = detector.detect("Hola, quiero cancelar my order por favor, gracias")
    assert language.code in {"es", "en"}


def test_that_only_the_opening_of_a_long_text_is_read(detector: LanguageDetector) -> None:
    spanish = "Hola, mi pedido todavía no ha llegado y necesito ayuda, por favor. " * 10
    assert len(spanish) >= PREFIX_CHARS
    english = "Where is my order, it has not arrived and I need help please. " * 300
    assert detector.detect(spanish + english).code == "es"


@pytest.mark.parametrize(
    "text",
    [
        "a" * 20_000,
        "1 " * 10_000,
        "\u200f\u200e\u05e9\u05dc\u05d5\u05dd\u200d\u200c where is my order?",
        "cafe\u0301 re\u0301sume\u0301",
        "\u0130STANBUL \u0131 \u00df \ufb01",
        "\ufeff\u202ehello there\u202c",
        "Ж" * 50,
        "lone \ud800 surrogates \udfff from JSON: where is my order? fraud 415-555-0132",
    ],
)
def test_that_odd_inputs_are_detected_without_crashing(
    detector: LanguageDetector, text: str
) -> None:
    language = detector.detect(text)
    assert language.code == "und" or language.code in DEFAULT_LANGUAGES
    assert 0.0 <= language.confidence <= 1.0


def test_that_a_detector_only_answers_with_its_configured_languages() -> None:
    detector = LanguageDetector(["en", "es"])
    assert detector.languages == ("en", "es")
    assert detector.detect("Wo ist meine Bestellung?").code in {"en", "es"}


def test_that_an_unknown_language_code_is_refused() -> None:
    with pytest.raises(ValueError, match="xx"):
        LanguageDetector(["en", "xx"])


def test_that_a_single_language_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two"):
        LanguageDetector(["en", "en"])


def test_that_an_unsure_detection_yields_to_the_customers_language(
    detector: LanguageDetector,
) -> None:
    assert detector.detect("thx").code != "en"
    preferred = detector.detect("thx", prefer="en")
    assert preferred.code == "en"
    assert 0 < preferred.confidence < 0.5


def test_that_a_confident_detection_keeps_its_answer_whatever_the_preference(
    detector: LanguageDetector,
) -> None:
    text = "Hola, quisiera saber dónde está mi pedido, por favor"
    assert detector.detect(text, prefer="en").code == "es"


def test_that_a_preference_outside_the_detector_languages_is_ignored(
    detector: LanguageDetector,
) -> None:
    assert detector.detect("thx", prefer="ja") == detector.detect("thx")

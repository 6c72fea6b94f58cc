import pytest

from cxops.domain.triage import SensitiveCategory
from cxops.triage.sensitive import find_sensitive_topics
from cxops.triage.text import fold

FINANCIAL = SensitiveCategory.FINANCIAL
HEALTH = SensitiveCategory.HEALTH
LEGAL = SensitiveCategory.LEGAL

EDGE_INPUTS = [
    "",
    "   ",
    "😡😡😡",
    "👍🏽👨\u200d👩\u200d👧",
    "0000000000",
    "sue" * 5000,
    "a " * 10_000,
    "Hola, my card fue robada, c'est une fraude",
    "\u200f\u200e\u05e9\u05dc\u05d5\u05dd\u200d\u200c fraud?",
    "fra\u0301ude demanda\u0301",
    "\ufeff\u202eFRAUD\u202c",
    "\u0130STANBUL \u0131 \u00df \ufb01 fraud",
    "lone \ud800 surrogates \udfff from JSON: where is my order? fraud 415-555-0132",
]


@pytest.mark.parametrize(
    ("text", "category", "topic", "evidence"),
    [
        ("I think this is fraud", FINANCIAL, "fraud", "fraud"),
        ("That email looks like a scam", FINANCIAL, "fraud", "scam"),
        ("My credit card was stolen last night", FINANCIAL, "stolen_card", "card was stolen"),
        ("someone is using my identity", FINANCIAL, "identity_theft", "using my identity"),
        ("I'll file a chargeback", FINANCIAL, "chargeback", "chargeback"),
        (
            "There is an unauthorised transaction",
            FINANCIAL,
            "unauthorized_transaction",
            "unauthorised transaction",
        ),
        (
            "unauthorized charges on my account",
            FINANCIAL,
            "unauthorized_transaction",
            "unauthorized charges",
        ),
        ("I'm disputing the charge", FINANCIAL, "bank_dispute", "disputing the charge"),
        ("my account was hacked", FINANCIAL, "account_takeover", "account was hacked"),
        ("Me han robado la tarjeta", FINANCIAL, "stolen_card", "Me han robado la tarjeta"),
        ("es una estafa", FINANCIAL, "fraud", "estafa"),
        (
            "no reconozco este cargo",
            FINANCIAL,
            "unauthorized_transaction",
            "no reconozco este cargo",
        ),
        ("My son was injured by the toy", HEALTH, "injury", "injured"),
        (
            "honestly I don't see the point of living anymore",
            HEALTH,
            "self_harm",
            "point of living",
        ),
        ("I want to kill myself", HEALTH, "self_harm", "kill myself"),
        ("ya no quiero vivir más", HEALTH, "self_harm", "no quiero vivir más"),
        ("the heel broke and I hurt my ankle", HEALTH, "injury", "hurt"),
        ("the iron burned my arm", HEALTH, "burn", "burned"),
        (
            "I had an allergic reaction to the cream",
            HEALTH,
            "allergic_reaction",
            "allergic reaction",
        ),
        ("it gave me a rash", HEALTH, "rash", "rash"),
        ("she ended up in hospital", HEALTH, "hospital", "hospital"),
        ("my toddler was choking on a button", HEALTH, "choking", "choking"),
        ("we got food poisoning", HEALTH, "poison", "poisoning"),
        ("me salió un sarpullido", HEALTH, "rash", "sarpullido"),
        ("tuve una reacción alérgica", HEALTH, "allergic_reaction", "reacción alérgica"),
        ("I'm calling my lawyer", LEGAL, "lawyer", "lawyer"),
        ("I will sue you", LEGAL, "lawsuit", "will sue"),
        ("we sued them before", LEGAL, "lawsuit", "sued"),
        ("I'm suing", LEGAL, "lawsuit", "suing"),
        ("see you in court", LEGAL, "court", "in court"),
        ("I am considering legal action", LEGAL, "legal_action", "legal action"),
        ("reporting you to Trading Standards", LEGAL, "regulator", "Trading Standards"),
        ("I'll write to the attorney general", LEGAL, "regulator", "attorney general"),
        (
            "This is a data subject access request",
            LEGAL,
            "data_protection",
            "data subject access request",
        ),
        ("Under GDPR, delete my data", LEGAL, "data_protection", "GDPR"),
        ("Please delete my personal data", LEGAL, "data_protection", "delete my personal data"),
        ("my CCPA rights", LEGAL, "data_protection", "CCPA"),
        ("voy a hablar con mi abogado", LEGAL, "lawyer", "abogado"),
        ("os voy a demandar", LEGAL, "lawsuit", "demandar"),
        ("según la ley de protección de datos", LEGAL, "data_protection", "protección de datos"),
    ],
)
def test_that_a_sensitive_topic_is_found_with_its_evidence(
    text: str, category: SensitiveCategory, topic: str, evidence: str
) -> None:
    found = {t.topic: t for t in find_sensitive_topics(text)}
    assert topic in found
    assert found[topic].category is category
    assert found[topic].evidence == evidence


def test_that_evidence_offsets_point_into_the_original_text() -> None:
    text = "Señor, LE DEMANDARÉ por la ESTAFA — my card was STOLEN\u2019s fault"
    topics = find_sensitive_topics(text)
    assert topics
    for topic in topics:
        assert text[topic.start : topic.end] == topic.evidence


def test_that_accents_are_optional_in_spanish() -> None:
    with_accents = find_sensitive_topics("reacción alérgica")
    without = find_sensitive_topics("reaccion alergica")
    assert [t.topic for t in with_accents] == [t.topic for t in without] == ["allergic_reaction"]


def test_that_matching_ignores_case() -> None:
    assert [t.topic for t in find_sensitive_topics("THIS IS FRAUD")] == ["fraud"]


def test_that_a_curly_apostrophe_still_reads_as_a_threat() -> None:
    topics = find_sensitive_topics("I\u2019ll sue")
    assert [(t.topic, t.evidence) for t in topics] == [("lawsuit", "I\u2019ll sue")]


@pytest.mark.parametrize(
    "text",
    [
        "I have an issue with my order",
        "I will pursue this with your manager",
        "Talk to Sue from the store, she was great",
        "I'll meet you at the food court",
        "Envié el paquete desde la estafeta de Correos",
        "the product is unfortunately out of stock",
        "my burnley shirt",
        "Hurtigruten cruise gift card",
        "it doesn't hurt to ask",
    ],
)
def test_that_look_alike_words_are_not_sensitive(text: str) -> None:
    assert find_sensitive_topics(text) == ()


def test_that_each_topic_is_reported_once_with_its_first_evidence() -> None:
    text = "fraud! This is fraud, pure fraud."
    topics = find_sensitive_topics(text)
    assert [(t.topic, t.start) for t in topics] == [("fraud", 0)]


def test_that_topics_come_in_the_order_their_evidence_appears() -> None:
    text = "My lawyer says the chargeback is fine, my daughter got a rash"
    assert [t.topic for t in find_sensitive_topics(text)] == ["lawyer", "chargeback", "rash"]


def test_that_the_last_paragraph_of_a_long_email_is_searched_too() -> None:
    text = "Hello, about my order. " * 900 + "Otherwise I will contact my lawyer."
    topics = find_sensitive_topics(text)
    assert [t.topic for t in topics] == ["lawyer"]
    assert text[topics[0].start : topics[0].end] == "lawyer"


@pytest.mark.parametrize("text", EDGE_INPUTS)
def test_that_odd_inputs_are_searched_without_crashing(text: str) -> None:
    for topic in find_sensitive_topics(text):
        assert text[topic.start : topic.end] == topic.evidence


@pytest.mark.parametrize("text", [*EDGE_INPUTS, "Ærøskøbing ĲSSEL Ŀ ǅ ẞ İi \u2019"])
def test_that_folding_keeps_the_length_even_after_lower_casing(text: str) -> None:
    assert len(fold(text)) == len(fold(text).lower()) == len(text)


def test_that_folding_strips_accents_and_straightens_apostrophes() -> None:
    assert fold("Demandaré a Peña, it\u2019s çà") == "Demandare a Pena, it's ca"

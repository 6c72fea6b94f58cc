import itertools

import pytest

from cxops.domain.triage import PiiSpan, PiiType
from cxops.triage.pii import find_pii, redact

EMAIL = PiiType.EMAIL
PHONE = PiiType.PHONE
CARD = PiiType.CARD
ADDRESS = PiiType.ADDRESS


def found(text: str, *, region: str = "US") -> list[tuple[PiiType, str]]:
    return [(span.type, text[span.start : span.end]) for span in find_pii(text, region=region)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+shop@example.co.uk please", "jane.doe+shop@example.co.uk"),
        ("JOHN_SMITH@Mail.Example.COM.", "JOHN_SMITH@Mail.Example.COM"),
        ("(jane@example.ie)", "jane@example.ie"),
    ],
)
def test_that_an_email_address_is_found(text: str, expected: str) -> None:
    assert (EMAIL, expected) in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me at (415) 555-0132", "(415) 555-0132"),
        ("my number is 415-555-0132.", "415-555-0132"),
        ("415.555.0132", "415.555.0132"),
        ("text 4155550132", "4155550132"),
        ("+1 415 555 0132", "+1 415 555 0132"),
        ("UK office +44 20 7946 0958", "+44 20 7946 0958"),
        ("mi móvil es +34 612 345 678", "+34 612 345 678"),
        ("order W1004217 415 555 0132", "415 555 0132"),
    ],
)
def test_that_a_phone_number_is_found(text: str, expected: str) -> None:
    assert found(text) == [(PHONE, expected)]


@pytest.mark.parametrize(
    "text",
    [
        "order W1004217",
        "order #1004217",
        "order 1004217",
        "my zip is 94103",
        "I paid $1,234.56 and then $19.99",
        "delivered on 2024-01-15 at 10:30",
        "Amazon order 114-1234567-1234567",
        "tracking 1Z999AA10123456784",
        "SKU 5551234, qty 2",
    ],
)
def test_that_order_numbers_zip_codes_amounts_and_dates_are_not_pii(text: str) -> None:
    assert find_pii(text) == ()


def test_that_a_local_number_needs_its_region() -> None:
    assert found("llámame al 612 345 678") == []
    assert found("llámame al 612 345 678", region="ES") == [(PHONE, "612 345 678")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 thanks", "4111 1111 1111 1111"),
        ("card 4111-1111-1111-1111", "4111-1111-1111-1111"),
        ("card 4111111111111111", "4111111111111111"),
        ("amex 3782 822463 10005", "3782 822463 10005"),
        ("mastercard 5555555555554444", "5555555555554444"),
        ("card 4111 1111 1111 1111 123 exp 12/27", "4111 1111 1111 1111"),
    ],
)
def test_that_a_luhn_valid_card_number_is_found(text: str, expected: str) -> None:
    assert found(text) == [(CARD, expected)]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",
        "ref 79927398713",
        "id 12345678901234567890",
        "gift card 7777 7777 7777 7777 7",
        "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
    ],
)
def test_that_a_luhn_invalid_or_odd_number_is_not_a_card(text: str) -> None:
    assert CARD not in {t for t, _ in found(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ship to 123 Main Street please", "123 Main Street"),
        ("42 Oak Ave Apt 5", "42 Oak Ave Apt 5"),
        ("42 oak ave apt 5", "42 oak ave apt 5"),
        ("at 1600 Pennsylvania Avenue NW", "1600 Pennsylvania Avenue"),
        ("350 5th Ave, New York, NY 10118", "350 5th Ave, New York, NY 10118"),
        ("7 N Elm St. #4B", "7 N Elm St. #4B"),
        ("send it to P.O. Box 123", "P.O. Box 123"),
        ("Vivo en Calle Mayor 12, Madrid", "Calle Mayor 12"),
        ("C/ de Alcalá 45, 3º B", "C/ de Alcalá 45, 3º B"),
        ("Avda. de la Constitución nº 7", "Avda. de la Constitución nº 7"),
    ],
)
def test_that_a_street_address_is_found(text: str, expected: str) -> None:
    assert found(text) == [(ADDRESS, expected)]


@pytest.mark.parametrize(
    "text",
    [
        "I waited 3 days on the road",
        "I live 2 blocks down the street",
        "I ordered 3 blue shirts on the way home",
        "la calle está cortada desde hace 3 días",
    ],
)
def test_that_numbers_near_street_words_are_not_addresses(text: str) -> None:
    assert find_pii(text) == ()


def test_that_findings_are_ordered_by_start_and_never_overlap() -> None:
    text = (
        "Jane, 123 Main Street, Springfield, IL 62704, jane@example.com, (415) 555-0132, "
        "card 4111 1111 1111 1111"
    )
    spans = find_pii(text)
    assert [span.type for span in spans] == [ADDRESS, EMAIL, PHONE, CARD]
    for first, second in itertools.pairwise(spans):
        assert first.end <= second.start


def test_that_digits_inside_an_email_are_not_a_phone_too() -> None:
    assert found("reach me at jane.4155550132@example.com") == [
        (EMAIL, "jane.4155550132@example.com")
    ]


def test_that_redaction_replaces_each_span_by_its_typed_placeholder() -> None:
    text = "I'm jane@example.com, 415-555-0132, 4111 1111 1111 1111, 123 Main Street."
    assert redact(text, find_pii(text)) == "I'm [EMAIL], [PHONE], [CARD], [ADDRESS]."


def test_that_redaction_without_spans_returns_the_text() -> None:
    assert redact("where is my order?", ()) == "where is my order?"


def test_that_redaction_accepts_spans_in_any_order() -> None:
    spans = (PiiSpan(type=PHONE, start=6, end=9), PiiSpan(type=EMAIL, start=0, end=3))
    assert redact("abc - 123 -", spans) == "[EMAIL] - [PHONE] -"


@pytest.mark.parametrize(
    "spans",
    [
        (PiiSpan(type=EMAIL, start=0, end=5), PiiSpan(type=PHONE, start=3, end=8)),
        (PiiSpan(type=EMAIL, start=5, end=50),),
        (PiiSpan(type=EMAIL, start=4, end=4),),
    ],
)
def test_that_redaction_refuses_overlapping_or_out_of_range_spans(
    spans: tuple[PiiSpan, ...],
) -> None:
    with pytest.raises(ValueError, match="overlaps or leaves"):
        redact("0123456789", spans)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "text",
    [
        "1" * 20_000,
        "1 " * 10_000,
        "1-" * 10_000,
        "(1) " * 5_000,
        " " * 20_000,
        "415 555 0132 " * 1_540,
        "a@" * 10_000,
        "a" * 19_990 + "@b.com",
        "a@" + "b." * 9_999,
        "4111 " * 4_000,
        "1 Main Main Main " * 1_200,
        "Calle Mayor de la " * 1_100,
        "12 " + "Aa " * 6_600,
    ],
)
def test_that_hostile_inputs_of_twenty_thousand_characters_finish(text: str) -> None:
    spans = find_pii(text)
    redact(text, spans)


def test_that_many_real_numbers_in_a_long_text_are_all_found() -> None:
    text = "call 415-555-0132, " * 1_000
    assert len(find_pii(text)) == 1_000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😡😡😡",
        "👍🏽👨\u200d👩\u200d👧 415-555-0132",
        "\u200f\u200e\u05e9\u05dc\u05d5\u05dd\u200d\u200c 415-555-0132",
        "cafe\u0301@example.com",
        "\ufeff\u202e4111 1111 1111 1111\u202c",
        "\u0130STANBUL \u0131 \u00df \ufb01 12 Main St",
        "٤١٥٥٥٥٠١٣٢ ४१५५५५०१३२",
        "Hola, mi email es ana@example.es, call me +1 415 555 0132, c'est tout",
        "lone \ud800 surrogates \udfff from JSON: where is my order? fraud 415-555-0132",
    ],
)
def test_that_odd_inputs_are_searched_without_crashing(text: str) -> None:
    spans = find_pii(text)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
    redact(text, spans)

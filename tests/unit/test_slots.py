import pytest

from cxops.domain.customers import Address
from cxops.selfservice import slots


def test_that_order_numbers_are_found_however_they_are_written() -> None:
    text = "orders w3000001, #W-3000002 and the replacement W3000004-r1, zip 60602"
    assert slots.order_numbers(text) == ["W3000001", "W3000002", "W3000004-R1"]


def test_that_an_email_is_found_in_lower_case_and_its_digits_are_no_postcode() -> None:
    text = "It's Ana.Ruiz60602@Example.com, zip 60602-1234"
    assert slots.emails(text) == ["ana.ruiz60602@example.com"]
    assert slots.postcodes(text) == ["60602"]


def test_that_digits_inside_an_order_number_are_no_postcode() -> None:
    assert slots.postcodes("order W3000001") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes please", True),
        ("Sí, adelante", True),
        ("ok go ahead", True),
        ("no", False),
        ("actually no, don't cancel it", False),
        ("mejor no", False),
        ("what is the weather", None),
        ("yes... no", None),
    ],
)
def test_that_yes_and_no_are_read_in_both_languages(text: str, expected: bool | None) -> None:
    assert slots.yes_or_no(text) is expected


def test_that_done_and_person_requests_are_recognised() -> None:
    assert slots.is_done("No thanks, that's all")
    assert slots.is_done("no gracias, eso es todo")
    assert not slots.is_done("thanks for the help with my order")
    assert slots.wants_person("can I talk to a real person")
    assert slots.wants_person("quiero hablar con una persona")
    assert not slots.wants_person("the personal shopper service")


def test_that_items_are_chosen_by_their_distinctive_words() -> None:
    names = ["Trail Hiking Boots", "Merino Socks 3-Pack", "Alpine Rain Jacket"]
    assert slots.chosen_items("the hiking boots please", names) == [0]
    assert slots.chosen_items("the socks and the jacket", names) == [1, 2]
    assert slots.chosen_items("all of them", names) == [0, 1, 2]
    assert slots.chosen_items("the blue one", names) == []


def test_that_an_address_on_one_line_is_read_into_its_fields() -> None:
    found = slots.address("742 Evergreen Terrace, Springfield, IL 62704", country="US")
    assert found == Address(
        line1="742 Evergreen Terrace",
        city="Springfield",
        postal_code="62704",
        country="US",
        region="IL",
    )


@pytest.mark.parametrize(
    "text",
    ["Springfield 62704", "742 Evergreen Terrace, Springfield", "to my office please"],
)
def test_that_an_incomplete_address_is_not_guessed(text: str) -> None:
    assert slots.address(text, country="US") is None

"""Rendering one self-service answer for chat, SMS, email and voice."""

import re
from collections.abc import Sequence

import pytest

from cxops.domain.conversations import Channel
from cxops.selfservice.channels import MAX_SPOKEN_WORDS, Voice, render

NORTHWIND = Voice(brand="Northwind")
ANSWER = [
    "Your order **W2000123** ships on 2026-11-24.",
    "Track it [on the carrier's site](https://example.com/track?since=2026-11-20).",
    "You can:\n- keep it\n- return it for free",
]


def rendered(
    parts: Sequence[str],
    channel: Channel,
    language: str = "en",
    name: str | None = None,
    voice: Voice = NORTHWIND,
) -> str:
    return render(parts, channel=channel, language=language, name=name, voice=voice)


def spoken(text: str, language: str = "en") -> str:
    return rendered([text], Channel.VOICE, language)


@pytest.mark.parametrize(
    ("language", "date"), [("en", "Tue 24 Nov"), ("es", "mar 24 nov"), ("fr", "Tue 24 Nov")]
)
def test_that_chat_keeps_markdown_and_shortens_dates(language: str, date: str) -> None:
    assert rendered(ANSWER, Channel.CHAT, language) == (
        f"Your order **W2000123** ships on {date}.\n\n"
        "Track it [on the carrier's site](https://example.com/track?since=2026-11-20).\n\n"
        "You can:\n- keep it\n- return it for free"
    )


@pytest.mark.parametrize(("language", "date"), [("en", "Tue 24 Nov"), ("es-MX", "mar 24 nov")])
def test_that_sms_is_plain_text_with_links_written_out(language: str, date: str) -> None:
    assert rendered(ANSWER, Channel.SMS, language) == (
        f"Your order W2000123 ships on {date}.\n\n"
        "Track it on the carrier's site: https://example.com/track?since=2026-11-20.\n\n"
        "You can:\n- keep it\n- return it for free"
    )


@pytest.mark.parametrize("channel", [Channel.CHAT, Channel.SMS])
def test_that_short_messages_have_no_greeting_or_sign_off(channel: Channel) -> None:
    text = rendered(["Your refund is on its way."], channel, name="Ana")
    assert text == "Your refund is on its way."


def test_that_blank_parts_are_dropped() -> None:
    assert rendered(["First.", "  ", "", "Second."], Channel.CHAT) == "First.\n\nSecond."
    assert rendered(["First.", "  ", "https://example.com"], Channel.VOICE) == "First."


def test_that_a_link_whose_text_is_its_url_is_written_once() -> None:
    text = rendered(["See [https://example.com](https://example.com)."], Channel.SMS)
    assert text == "See https://example.com."


@pytest.mark.parametrize(
    ("language", "name", "greeting", "closing", "signature", "date"),
    [
        (
            "en",
            "Ana",
            "Hello Ana,",
            "Kind regards,",
            "Customer Care, Northwind",
            "Tuesday, 24 November 2026",
        ),
        (
            "en",
            None,
            "Hello,",
            "Kind regards,",
            "Customer Care, Northwind",
            "Tuesday, 24 November 2026",
        ),
        (
            "en",
            "  ",
            "Hello,",
            "Kind regards,",
            "Customer Care, Northwind",
            "Tuesday, 24 November 2026",
        ),
        (
            "es",
            "Ana",
            "Hola Ana:",
            "Un saludo,",
            "Atención al cliente, Northwind",
            "martes, 24 de noviembre de 2026",
        ),
        (
            "es",
            None,
            "Hola:",
            "Un saludo,",
            "Atención al cliente, Northwind",
            "martes, 24 de noviembre de 2026",
        ),
    ],
)
def test_that_an_email_is_greeted_signed_and_dated_in_long_form(
    language: str, name: str | None, greeting: str, closing: str, signature: str, date: str
) -> None:
    assert rendered(ANSWER, Channel.EMAIL, language, name) == (
        f"{greeting}\n\n"
        f"Your order W2000123 ships on {date}.\n\n"
        "Track it on the carrier's site (https://example.com/track?since=2026-11-20).\n\n"
        "You can:\n- keep it\n- return it for free\n\n"
        f"{closing}\n{signature}"
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_that_a_custom_team_signs_emails_as_written(language: str) -> None:
    voice = Voice(brand="Northwind", team="Returns Desk")
    text = rendered(["Done."], Channel.EMAIL, language, "Ana", voice)
    assert text.endswith("\nReturns Desk, Northwind")


@pytest.mark.parametrize(
    ("day", "short", "long"),
    [
        ("2026-01-01", "Thu 1 Jan", "Thursday, 1 January 2026"),
        ("2027-05-31", "Mon 31 May", "Monday, 31 May 2027"),
        ("2026-02-29", "2026-02-29", "2026-02-29"),
    ],
)
def test_that_only_real_iso_dates_are_rewritten(day: str, short: str, long: str) -> None:
    assert rendered([f"On {day}."], Channel.CHAT) == f"On {short}."
    assert f"On {long}." in rendered([f"On {day}."], Channel.EMAIL)


VOICE_HOSTILE = [
    "**Good news:** your order [W2000123](https://example.com/orders/W2000123) has shipped.",
    "Details at https://example.com/help and www.example.com/faq.",
    "Next steps:\n- keep the box\n* print the label\n1. drop it off - any store works",
    "# Your return\nSee [the policy](https://example.com/policy) for `details`.",
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_that_voice_has_no_markdown_or_urls(language: str) -> None:
    text = rendered(VOICE_HOSTILE, Channel.VOICE, language)
    for forbidden in ("http", "www", "**", "*", "[", "]", "(", "`", "#", "- "):
        assert forbidden not in text
    assert not re.search(r"^\s*[-*•]", text, re.MULTILINE)


def test_that_voice_turns_list_items_and_headings_into_sentences() -> None:
    assert rendered(VOICE_HOSTILE[2:], Channel.VOICE) == (
        "Next steps. Keep the box. Print the label. Drop it off, any store works.\n\n"
        "Your return. See the policy for details."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read it at https://example.com/help.", "Read it."),
        ("Read it here: https://example.com/help", "Read it here."),
        ("Go to www.example.com to print it.", "Go to the website to print it."),
        ("See [our returns page](https://example.com/returns).", "See our returns page."),
    ],
)
def test_that_voice_drops_urls_and_keeps_the_sentence_readable(text: str, expected: str) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "$42.50", "42 dollars and 50 cents"),
        ("en", "$1.00", "1 dollar"),
        ("en", "$0.05", "5 cents"),
        ("en", "$1,234.56", "1,234 dollars and 56 cents"),
        ("en", "$12.5", "12 dollars and 50 cents"),
        ("en", "42,50 €", "42 euros and 50 cents"),
        ("es", "42,50 €", "42 euros con 50 céntimos"),
        ("es", "1 €", "1 euro"),
        ("es", "1.234,01 €", "1234 euros con 1 céntimo"),
        ("es", "€42.50", "42 euros con 50 céntimos"),
        ("es", "$42.50", "42 dólares con 50 centavos"),
    ],
)
def test_that_voice_reads_money_out(language: str, text: str, expected: str) -> None:
    assert spoken(f"You paid {text} in total.", language) == f"You paid {expected} in total."


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "It arrives on 2026-11-24.", "It arrives on Tuesday, November 24th."),
        ("en", "It arrives on 2026-12-01.", "It arrives on Tuesday, December 1st."),
        ("en", "It arrives on 2026-12-02.", "It arrives on Wednesday, December 2nd."),
        ("en", "It arrives on 2026-12-03.", "It arrives on Thursday, December 3rd."),
        ("en", "It arrives on 2026-12-11.", "It arrives on Friday, December 11th."),
        ("en", "It arrives on 2026-12-22.", "It arrives on Tuesday, December 22nd."),
        ("es", "Llega el 2026-11-24.", "Llega el martes 24 de noviembre."),
        ("es", "Llega el 2027-01-03.", "Llega el domingo 3 de enero."),
    ],
)
def test_that_voice_says_dates(language: str, text: str, expected: str) -> None:
    assert spoken(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "Call back at 14:30.", "Call back at 2:30 PM."),
        ("en", "Call back at 09:05.", "Call back at 9:05 AM."),
        ("en", "Call back at 17:00.", "Call back at 5 PM."),
        ("en", "Call back at 12:00.", "Call back at noon."),
        ("en", "Call back by 00:00.", "Call back by midnight."),
        ("en", "Call back at 2:30 PM.", "Call back at 2:30 PM."),
        ("es", "Llámenos hoy hasta 14:30.", "Llámenos hoy hasta las 14:30."),
        ("es", "Llámenos a las 09:00.", "Llámenos a las 9:00."),
        ("es", "Llámenos a partir de 01:15.", "Llámenos a partir de la 1:15."),
    ],
)
def test_that_voice_says_times(language: str, text: str, expected: str) -> None:
    assert spoken(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "Order W2000123 is ready.", "Order W 2 0 0, 0 1 2 3 is ready."),
        ("en", "Order #W2000123 is ready.", "Order W 2 0 0, 0 1 2 3 is ready."),
        ("en", "Return W2000123-R1 is open.", "Return W 2 0 0, 0 1 2 3, dash, R 1 is open."),
        ("es", "La devolución W2000123-R1.", "La devolución W 2 0 0, 0 1 2 3, guion, R 1."),
        ("en", "Order 1004217 is ready.", "Order 1 0 0 4, 2 1 7 is ready."),
        (
            "en",
            "Tracking 1Z999AA10123456784.",
            "Tracking 1 Z 9 9, 9 A A 1, 0 1 2 3, 4 5 6, 7 8 4.",
        ),
        ("en", "FedEx 123456789012.", "FedEx 1 2 3 4, 5 6 7 8, 9 0 1 2."),
    ],
)
def test_that_voice_spells_order_and_tracking_numbers(
    language: str, text: str, expected: str
) -> None:
    assert spoken(text, language) == expected


@pytest.mark.parametrize("channel", [Channel.CHAT, Channel.SMS, Channel.EMAIL])
def test_that_written_channels_leave_numbers_as_written(channel: Channel) -> None:
    text = "Order W2000123-R1: $42.50, 42,50 €, tracking 1Z999AA10123456784 at 14:30."
    assert text in rendered([text], channel)


def test_that_short_numbers_are_not_spelled() -> None:
    assert spoken("Returns are free for 30 days, 2 items per order.") == (
        "Returns are free for 30 days, 2 items per order."
    )


LONG_EN = (
    "We have checked with the warehouse, and the parcel left yesterday evening but the carrier "
    "has not scanned it yet so we will keep an eye on it and write to you as soon as it moves."
)
LONG_ES = (
    "Hemos hablado con el almacén, y el paquete salió ayer por la tarde pero la empresa de "
    "transporte todavía no lo ha escaneado así que lo vigilaremos y le escribiremos en cuanto se "
    "mueva."
)


@pytest.mark.parametrize(("language", "text"), [("en", LONG_EN), ("es", LONG_ES)])
def test_that_voice_splits_long_sentences_without_losing_words(language: str, text: str) -> None:
    said = spoken(text, language)
    sentences = re.split(r"(?<=\.)\s+", said)
    assert len(sentences) > 1
    assert all(len(sentence.split()) <= MAX_SPOKEN_WORDS for sentence in sentences)
    assert re.sub(r"[^\w ]", "", said).lower().split() == (
        re.sub(r"[^\w ]", "", text).lower().split()
    )


def test_that_a_long_sentence_is_split_at_the_comma_nearest_the_middle() -> None:
    text = (
        "Once the courier has collected the parcel from your door tomorrow morning, "
        "we will check the item and send the refund to the card you paid with."
    )
    assert spoken(text) == (
        "Once the courier has collected the parcel from your door tomorrow morning. "
        "We will check the item and send the refund to the card you paid with."
    )


def test_that_a_long_sentence_with_nowhere_to_split_stays_whole() -> None:
    text = " ".join(["word"] * (MAX_SPOKEN_WORDS + 5)) + "."
    assert spoken(text) == text


def test_that_short_sentences_are_left_alone() -> None:
    text = "Your parcel left the warehouse, and it arrives tomorrow."
    assert spoken(text) == text


@pytest.mark.parametrize("language", ["en", "es"])
def test_that_voice_has_no_greeting_or_sign_off(language: str) -> None:
    text = rendered(["Your refund is on its way."], Channel.VOICE, language, "Ana")
    assert text == "Your refund is on its way."


def test_that_dates_inside_urls_are_left_alone() -> None:
    text = rendered(["See https://example.com/d/2026-11-24 from 2026-11-24."], Channel.CHAT)
    assert text == "See https://example.com/d/2026-11-24 from Tue 24 Nov."

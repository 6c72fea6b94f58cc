"""Personal data in free text: where it is, so that stored and logged text can be redacted.

Found: email addresses; phone numbers (phonenumbers' matcher, valid numbers only, so order
numbers, ZIP codes and amounts are left alone); payment card numbers (13-19 digits laid out as
cards are printed, a major network's first digit, Luhn-valid); street addresses in the US style
("123 Main Street", "42 Oak Ave Apt 5", "PO Box 12") and the Spanish style ("Calle Mayor 12").
Every pattern is free of nested quantifiers and each expensive step is gated on a cheap test,
so a 20,000-character run of digits or spaces costs milliseconds, not minutes.
"""

import re
from collections.abc import Iterator, Sequence
from functools import cache

from phonenumbers import (
    Leniency,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    example_number,
    format_number,
)

from cxops.domain.triage import PiiSpan, PiiType

__all__ = [
    "DEFAULT_REGION",
    "PLACEHOLDERS",
    "WARM_UP_REGIONS",
    "find_pii",
    "luhn_valid",
    "redact",
    "warm_up",
]

DEFAULT_REGION = "US"
# Regions whose phone metadata is loaded before the first message: each costs a few
# milliseconds the first time a number of that country is parsed.
WARM_UP_REGIONS: tuple[str, ...] = (
    "US", "CA", "MX", "GB", "IE", "ES", "FR", "DE", "IT", "PT", "NL", "BE", "AU",
)  # fmt: skip
PLACEHOLDERS: dict[PiiType, str] = {
    PiiType.EMAIL: "[EMAIL]",
    PiiType.PHONE: "[PHONE]",
    PiiType.CARD: "[CARD]",
    PiiType.ADDRESS: "[ADDRESS]",
}

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@(?:[\w-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])")

# Candidate runs for the phone matcher: digits with the separators numbers are written with,
# not glued to a word, an order-number sign or a currency.
_PHONE_RUN = re.compile(r"(?<![\w#$€£¥+])[+(]?\d[\d \t().\-/]*")
_MIN_PHONE_DIGITS = 7
# A longer run of digits and separators is a table or an attack, not a phone number; it is
# skipped so the matcher's cost stays bounded.
_MAX_PHONE_RUN = 256

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?!\d)", re.ASCII)
_CARD_SEPARATOR = re.compile(r"[ -]")
_CARD_FIRST_DIGITS = frozenset("23456")  # Mastercard, Amex/Diners/JCB, Visa, Discover/Maestro
_CARD_DIGITS = range(13, 20)
_AMEX_LIKE_GROUPS = ((4, 6, 5), (4, 6, 4))

# A full street word ends the address ("123 Main Street." ends a sentence); an abbreviation
# may carry its own full stop ("42 Oak Ave.").
_STREET_SUFFIX = (
    r"(?:street|avenue|road|boulevard|lane|drive|court|place|way|terrace|circle|parkway|highway"
    r"|square|trail|plaza)\b|(?:st|ave|rd|blvd|ln|dr|ct|pl|ter|cir|pkwy|hwy|sq|trl)\b\.?"
)
_UNIT = r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|floor|fl|\#)\.?\s*\#?\s*[A-Za-z0-9-]{1,6}\b)?"
_US_NAME = r"(?:[A-Z][A-Za-z'-]*|\d{1,3}(?:st|nd|rd|th))"
_CITY_STATE_ZIP = (
    r"(?:,\s*(?:[A-Z][A-Za-z.-]*\s+){0,2}[A-Z][A-Za-z.-]*,?\s+[A-Z]{2}\b(?:\s+\d{5}(?:-\d{4})?)?)?"
)
_ES_LINK = r"(?:de|del|la|las|los|el|y)\s+"
_ES_NAME = r"[A-ZÁÉÍÓÚÑÜ][^\W\d_]*"
_ADDRESS = re.compile(
    "|".join(
        (
            # 123 Main Street, 5th Ave, N Oak St., Apt 4B, Springfield, IL 62704
            rf"\b\d{{1,6}}[A-Za-z]?\s+(?:(?i:north|south|east|west|n|s|e|w|ne|nw|se|sw)\.?\s+)?"
            rf"(?:{_US_NAME}\s+){{1,3}}(?i:{_STREET_SUFFIX}){_UNIT}{_CITY_STATE_ZIP}",
            # 42 oak ave apt 5: lower case only with an abbreviated suffix ("3 days on the
            # road" is not an address).
            rf"\b\d{{1,6}}\s+(?:[a-z]+\s+){{1,3}}(?:st|ave|rd|blvd|ln|dr|pkwy|hwy)\b\.?{_UNIT}",
            r"\b(?i:p\.?\s?o\.?\s+box|post\s+office\s+box|apartado\s+de\s+correos)\s+\d{1,6}\b",
            # Calle Mayor 12, C/ de Alcalá 45, 3º B, Avda. de la Constitución nº 7
            r"\b(?i:calle|c/|avenida|avda\.|av\.|paseo|plaza|pza\.|camino|carretera|ctra\.|ronda"
            r"|traves[ií]a|glorieta|pasaje)\s*"
            rf"(?:{_ES_LINK})*{_ES_NAME}(?:\s+(?:{_ES_LINK})*{_ES_NAME}){{0,3}},?\s+"
            r"(?i:n[º°o]\.?\s*)?\d{1,4}[A-Za-z]?\b(?:,?\s*\d{1,2}\s*[º°ª](?:\s*[A-Za-z]\b)?)?",
        )
    )
)
_DIGIT = re.compile(r"\d")


@cache
def warm_up() -> None:
    """Load phone metadata for `WARM_UP_REGIONS` now rather than during a customer's message.

    Idempotent and cheap after the first call; `find_pii` calls it before its first phone
    number, and a process may call it at start-up to move that cost out of any request.
    """
    for region in WARM_UP_REGIONS:
        example = example_number(region)
        if example is not None:
            written = format_number(example, PhoneNumberFormat.INTERNATIONAL)
            for _ in PhoneNumberMatcher(written, region, leniency=Leniency.VALID):
                pass


def _emails(text: str) -> Iterator[PiiSpan]:
    if "@" in text:
        for match in _EMAIL.finditer(text):
            yield PiiSpan(type=PiiType.EMAIL, start=match.start(), end=match.end())


def _phones(text: str, *, region: str, cards: Sequence[PiiSpan]) -> Iterator[PiiSpan]:
    """Phone numbers in the candidate runs that are not card numbers already found."""
    for run in _PHONE_RUN.finditer(text):
        candidate = run.group().rstrip(" \t(.-/")
        if len(candidate) > _MAX_PHONE_RUN:
            continue
        if sum(map(candidate.count, "0123456789")) < _MIN_PHONE_DIGITS:
            continue
        end = run.start() + len(candidate)
        if any(card.start < end and run.start() < card.end for card in cards):
            continue
        warm_up()
        for found in PhoneNumberMatcher(candidate, region, leniency=Leniency.VALID):
            yield PiiSpan(
                type=PiiType.PHONE, start=run.start() + found.start, end=run.start() + found.end
            )


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_layout(groups: Sequence[str]) -> bool:
    """Whether digit groups are laid out as cards are printed: one block, fours, or 4-6-5."""
    sizes = tuple(len(group) for group in groups)
    return (
        len(sizes) == 1
        or (all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4)
        or sizes in _AMEX_LIKE_GROUPS
    )


def _card_length(groups: Sequence[str]) -> int:
    """Characters of the longest leading groups that form a valid card number, or 0.

    A card followed by a CVV or another number ("4111 1111 1111 1111 123") still counts.
    """
    for count in range(len(groups), 0, -1):
        leading = groups[:count]
        digits = "".join(leading)
        if (
            len(digits) in _CARD_DIGITS
            and digits[0] in _CARD_FIRST_DIGITS
            and _card_layout(leading)
            and luhn_valid(digits)
        ):
            return len(digits) + count - 1
    return 0


def _cards(text: str) -> Iterator[PiiSpan]:
    for match in _CARD.finditer(text):
        length = _card_length(_CARD_SEPARATOR.split(match.group()))
        if length:
            yield PiiSpan(type=PiiType.CARD, start=match.start(), end=match.start() + length)


def _addresses(text: str) -> Iterator[PiiSpan]:
    for match in _ADDRESS.finditer(text):
        yield PiiSpan(type=PiiType.ADDRESS, start=match.start(), end=match.end())


def find_pii(text: str, *, region: str = DEFAULT_REGION) -> tuple[PiiSpan, ...]:
    """Find the personal data in a message, ordered by start, never overlapping.

    `region` is the ISO 3166 country assumed for phone numbers written without an
    international prefix. Where two findings overlap, the one that starts first (then the
    longer) is kept.
    """
    spans: list[PiiSpan] = list(_emails(text))
    if _DIGIT.search(text):
        digits = sum(map(text.count, "0123456789"))
        cards = list(_cards(text)) if digits >= min(_CARD_DIGITS) else []
        spans.extend(cards)
        if digits >= _MIN_PHONE_DIGITS:
            spans.extend(_phones(text, region=region, cards=cards))
        spans.extend(_addresses(text))
    spans.sort(key=lambda span: (span.start, span.start - span.end))
    kept: list[PiiSpan] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return tuple(kept)


def redact(text: str, spans: Sequence[PiiSpan]) -> str:
    """Replace each span by its typed placeholder, e.g. "[EMAIL]".

    `spans` are what `find_pii` returned for this text, in any order; overlapping or
    out-of-range spans raise `ValueError` rather than produce a half-redacted text.
    """
    parts: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda span: span.start):
        if span.start < cursor or span.end > len(text) or span.start >= span.end:
            raise ValueError(f"span {span.start}:{span.end} overlaps or leaves the text")
        parts.append(text[cursor : span.start])
        parts.append(PLACEHOLDERS[span.type])
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)

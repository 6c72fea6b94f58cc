"""Reading what the bot asked for out of free text: order numbers, emails, postcodes, item names,
yes and no, an address. Pure functions over the customer's raw text (in English or Spanish).

These run on the text before redaction, in memory only: an email or postcode found here is used
to look the customer up and is never stored.
"""

import re
import unicodedata
from collections.abc import Sequence

from cxops.domain.customers import Address

ORDER_NUMBER = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3})-?(\d{5,10})(-[Rr]\d+)?(?![A-Za-z0-9])")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
POSTCODE = re.compile(r"(?<![\w-])(\d{5})(?:-\d{4})?(?![\w-])")
_WORD = re.compile(r"[a-z0-9ñ']+")

_YES = {
    "en": (
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "correct",
        "right",
        "please do",
        "go ahead",
        "do it",
        "confirm",
        "confirmed",
        "that's right",
        "absolutely",
    ),
    "es": ("si", "vale", "claro", "de acuerdo", "confirmo", "adelante", "correcto"),
}
_NO = {
    "en": (
        "no",
        "nope",
        "nah",
        "don't",
        "do not",
        "not now",
        "never mind",
        "nevermind",
        "changed my mind",
        "stop",
        "wait",
    ),
    "es": ("no", "mejor no", "espera", "he cambiado de idea", "cambie de idea", "ya no"),
}
_DONE = (
    "that's all",
    "thats all",
    "that is all",
    "nothing else",
    "no thanks",
    "no thank you",
    "all good",
    "i'm good",
    "im good",
    "nada mas",
    "eso es todo",
    "no gracias",
    "es todo",
)
_PERSON = (
    "human",
    "real person",
    "a person",
    "an agent",
    "live agent",
    "representative",
    "someone real",
    "talk to someone",
    "speak to someone",
    "una persona",
    "un agente",
    "hablar con alguien",
)
_ALL = ("all", "everything", "both", "whole order", "all of them", "todo", "todos", "ambos")


def fold(text: str) -> str:
    """Lower case without accents, so "Sí" and "si" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _has_phrase(folded: str, phrases: Sequence[str]) -> bool:
    return any(re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", folded) for p in phrases)


def order_numbers(text: str) -> list[str]:
    """Order numbers in the text, upper-cased and without spaces or the dash after the prefix."""
    found = []
    for prefix, digits, suffix in ORDER_NUMBER.findall(text):
        number = f"{prefix.upper()}{digits}{(suffix or '').upper()}"
        if number not in found:
            found.append(number)
    return found


def emails(text: str) -> list[str]:
    return [match.lower() for match in EMAIL.findall(text)]


def postcodes(text: str) -> list[str]:
    """Five-digit postcodes (US ZIP, with or without +4; Spanish codes), outside emails."""
    without = EMAIL.sub(" ", text)
    return POSTCODE.findall(without)


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the text says neither (or both)."""
    folded = fold(text)
    yes = any(_has_phrase(folded, phrases) for phrases in _YES.values())
    no = any(_has_phrase(folded, phrases) for phrases in _NO.values())
    if yes == no:
        return None
    return yes


_FILLER = frozenset(
    {
        *(w for phrases in (*_YES.values(), *_NO.values()) for p in phrases for w in p.split()),
        *("please", "thanks", "thank", "you", "that's", "that", "is", "it", "all", "great"),
        *("perfect", "fine", "cool", "sure", "the", "and", "then", "go", "ahead", "do"),
        *("gracias", "por", "favor", "eso", "es", "todo", "lo", "hazlo", "muy", "bien"),
    }
)


def is_bare_answer(text: str) -> bool:
    """A yes, a no or a "that's all" with little else: at most three other words (of three
    letters or more). A longer message that happens to contain "ok" or "no" is more likely a
    new request."""
    words = [w for w in _WORD.findall(fold(text)) if len(w) >= 3 and w not in _FILLER]
    return len(words) <= 3 and (yes_or_no(text) is not None or is_done(text))


_CONTRAST = ("actually", "but", "instead", "rather", "wait", "pero", "en realidad", "mejor")


def leading_answer(text: str) -> bool | None:
    """The yes or no a reply opens with ("no, I'll ask my neighbours first"), or the yes or no
    of a short reply; None when it gives neither. A yes followed by "actually" or "but" is no
    yes: "ok thanks, actually I want to return it" must never confirm a cancellation."""
    first, *tail = re.split(r"[,.;!?]", text, maxsplit=1)
    rest = tail[0] if tail else ""
    for part in (first, text):
        if not is_bare_answer(part):
            continue
        answer = yes_or_no(part)
        if answer is True and part is first and _has_phrase(fold(rest), _CONTRAST):
            return None
        if answer is not None:
            return answer
    return None


def is_done(text: str) -> bool:
    """The customer says they need nothing more."""
    return _has_phrase(fold(text), _DONE)


def wants_person(text: str) -> bool:
    return _has_phrase(fold(text), _PERSON)


def chosen_items(text: str, names: Sequence[str]) -> list[int]:
    """Indexes of the item names the text refers to: every item for "all"/"both", otherwise the
    items sharing the most distinctive words with the text (words of three letters or more)."""
    folded = fold(text)
    if _has_phrase(folded, _ALL):
        return list(range(len(names)))
    said = set(_WORD.findall(folded))
    scores = []
    for index, name in enumerate(names):
        words = {w for w in _WORD.findall(fold(name)) if len(w) >= 3}
        scores.append((len(words & said), index))
    best = max((score for score, _ in scores), default=0)
    if best == 0:
        return []
    return [index for score, index in scores if score == best]


_STREET = re.compile(r"(?<![\w-])\d{1,6}[A-Za-z]?\s+(?=[^,\n]*[A-Za-z]{2})[^,\n]*$")


def address(text: str, *, country: str) -> Address | None:
    """An address written on one line, "street and number, city, postcode" (state and country
    optional), possibly inside a sentence ("please send it to 88 Oak St, Milwaukee, 53202"):
    None unless a street with a number, a city and a postcode can all be told apart."""
    parts = [p.strip() for p in re.split(r"[,\n]", text) if p.strip()]
    codes = postcodes(text)
    if len(parts) < 2 or not codes:
        return None
    postal = codes[0]
    street_at = None
    street = ""
    for index, part in enumerate(parts):
        if postal in part:
            continue
        match = _STREET.search(part)
        if match is not None:
            street_at, street = index, match.group(0).strip()
    if street_at is None:
        return None
    city, region, chosen_country = "", "", country
    for part in parts[street_at + 1 :]:
        words = [w for w in part.split() if not re.fullmatch(r"\d{5}(-\d{4})?\.?", w)]
        words = [w.rstrip(".") for w in words]
        if not words:
            continue
        if len(words) == 1 and len(words[0]) == 2 and words[0].isalpha():
            code = words[0].upper()
            if code in ("US", "ES", "MX", "CA") and (region or postal not in part):
                chosen_country = code
            else:
                region = code
            continue
        if postal in part and len(words[-1]) == 2 and words[-1].isupper():
            region, words = words[-1], words[:-1]
        if not city and words:
            city = " ".join(words)
    if not city:
        return None
    return Address(
        line1=street, city=city, postal_code=postal, country=chosen_country, region=region
    )

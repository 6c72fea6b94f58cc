"""One answer, written once, rendered in the style of the channel it goes out on.

The bot writes its answer as a list of parts (sentences or paragraphs in one language, light
markdown allowed: `**bold**`, `[text](url)`, bullet lines starting with "- ") with its
placeholders already filled in. This module turns that into what each channel expects:

- chat: the parts as short messages separated by a blank line, markdown kept (the widget renders
  it), ISO dates in short form ("Tue 24 Nov").
- sms: the same, as plain text: markdown removed, a link becomes "text: url".
- email: plain text with a greeting, the parts as paragraphs (bullets kept, a link becomes
  "text (url)"), a closing line and the team's signature; ISO dates in long form.
- voice: text for a text-to-speech engine: no markdown, no URLs, short sentences, and the
  placeholders a speech engine reads badly (order and tracking numbers, money, ISO dates, 24-hour
  times) rewritten as they are said.

Everything is deterministic: weekday and month names are spelled here, never taken from the
system locale, so the same answer renders the same on every machine.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cxops.domain.conversations import Channel

__all__ = ["DEFAULT_TEAM", "MAX_SPOKEN_WORDS", "Voice", "render"]

DEFAULT_TEAM = "Customer Care"
# A spoken sentence longer than this is split where it can be, at a comma or before a
# conjunction: listeners lose the thread of long sentences that readers would follow.
MAX_SPOKEN_WORDS = 20
# Neither half of a split sentence is shorter than this, so a split never leaves a stub.
_MIN_SPLIT_WORDS = 4
# Identifiers are spelled in groups of at most this many characters, with a pause between groups.
_SPELLING_GROUP = 4

_Language = Literal["en", "es"]


@dataclass(frozen=True, slots=True)
class Voice:
    """The brand's voice: who the customer is talking to, and who signs emails."""

    brand: str
    team: str = DEFAULT_TEAM


@dataclass(frozen=True, slots=True)
class _Currency:
    one: str
    many: str
    cent: str
    cents: str


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """The words of one language. Date templates take `weekday`, `weekday_short`, `day`,
    `ordinal` (English ordinal day), `month`, `month_short` and `year`."""

    language: _Language
    weekdays: tuple[str, ...]
    weekdays_short: tuple[str, ...]
    months: tuple[str, ...]
    months_short: tuple[str, ...]
    short_date: str
    long_date: str
    spoken_date: str
    greeting: str
    anonymous_greeting: str
    closing: str
    default_team: str
    dash: str
    money_and: str
    currencies: dict[str, _Currency]
    conjunctions: frozenset[str]
    # Words that lose their object when the URL after them is dropped from speech.
    url_leads: tuple[str, ...]
    # Said instead of a URL in the middle of a sentence ("go to the website to track it").
    website: str


_LEXICONS: dict[_Language, _Lexicon] = {
    "en": _Lexicon(
        language="en",
        weekdays=(
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        ),
        weekdays_short=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        months=(
            "January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December",
        ),
        months_short=(
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ),
        short_date="{weekday_short} {day} {month_short}",
        long_date="{weekday}, {day} {month} {year}",
        spoken_date="{weekday}, {month} {ordinal}",
        greeting="Hello {name},",
        anonymous_greeting="Hello,",
        closing="Kind regards,",
        default_team=DEFAULT_TEAM,
        dash="dash",
        money_and="and",
        currencies={
            "$": _Currency("dollar", "dollars", "cent", "cents"),
            "€": _Currency("euro", "euros", "cent", "cents"),
        },
        conjunctions=frozenset(
            {"and", "but", "so", "because", "although", "though", "while", "then", "unless"}
        ),
        url_leads=("and", "or", "at", "via"),
        website="the website",
    ),
    "es": _Lexicon(
        language="es",
        weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        weekdays_short=("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
        months=(
            "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre",
        ),
        months_short=(
            "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
        ),
        short_date="{weekday_short} {day} {month_short}",
        long_date="{weekday}, {day} de {month} de {year}",
        spoken_date="{weekday} {day} de {month}",
        greeting="Hola {name}:",
        anonymous_greeting="Hola:",
        closing="Un saludo,",
        default_team="Atención al cliente",
        dash="guion",
        money_and="con",
        currencies={
            "$": _Currency("dólar", "dólares", "centavo", "centavos"),
            "€": _Currency("euro", "euros", "céntimo", "céntimos"),
        },
        conjunctions=frozenset({"y", "pero", "porque", "aunque", "mientras", "pues", "sino"}),
        url_leads=("y", "o", "en", "desde"),
        website="la web",
    ),
}  # fmt: skip

# Markdown link targets and bare URLs, up to but not including trailing sentence punctuation.
_BARE_URL = r"(?:https?://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]"
_URL_OR_LINK_TARGET = re.compile(rf"\]\([^)\s]*\)|{_BARE_URL}")
_BARE_URL_RE = re.compile(_BARE_URL)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_CODE = re.compile(r"`([^`\n]*)`")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_HEADING_MARKER = re.compile(r"^\s*#{1,6}\s+")
_TERMINATED = re.compile(r"[.!?:…][\"')\]»”]*$")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=\S)")
# Where a URL was dropped from speech, until the sentence around it is tidied.
_DROPPED_URL = "\x00"
_SPACED_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")  # hyphen, en dash, em dash

_ISO_DATE = r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])"
_ISO_DATE_RE = re.compile(_ISO_DATE)
_EMAIL_LINK = "{text} ({url})"
_SMS_LINK = "{text}: {url}"

# Amounts as they are written in both languages: 42, 42.50, 1,234.56, 42,50, 1.234,56. A
# separator followed by three digits groups thousands; one followed by one or two is decimal.
_AMOUNT = r"\d+(?:[.,]\d{3})*(?:[.,]\d{1,2})?(?!\d)"
_SPOKEN = re.compile(
    "|".join(
        (
            rf"(?P<prefix_currency>[$€])\s?(?P<prefix_amount>{_AMOUNT})",
            rf"(?<![\w.,])(?P<suffix_amount>{_AMOUNT})\s?(?P<suffix_currency>[$€])",
            rf"(?P<date>{_ISO_DATE})",
            # A time already marked AM/PM (or a. m./p. m.) is left as written.
            r"(?<![\w:.,])(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)"
            r"(?![\w:])(?!\s*[AaPp]\.?\s?[Mm]\b)",
            # Order numbers (W2000123, W2000123-R1), UPS tracking numbers and long digit runs
            # (other carriers' tracking numbers, bare order numbers), with an optional "#".
            r"(?<![\w#-])#?(?P<identifier>1Z[0-9A-Z]{16}|[A-Z]{1,3}-?\d{5,12}(?:-[A-Z0-9]{1,4})*"
            r"|\d{7,30})(?![\w-])",
        )
    )
)
_ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
_SPANISH_TIME_ARTICLE = re.compile(r"\blas?\s+$", re.IGNORECASE)


def render(
    parts: Sequence[str], *, channel: Channel, language: str, name: str | None, voice: Voice
) -> str:
    """Render the bot's answer for `channel`.

    `language` is a language tag; Spanish ("es", "es-MX") is rendered in Spanish and anything
    else in English. `name` is the customer's name for the email greeting; blank counts as none.
    Blank parts are dropped.
    """
    lexicon = _LEXICONS[_language(language)]
    kept = [part.strip() for part in parts if part.strip()]
    if channel is Channel.VOICE:
        spoken = (_spoken_part(part, lexicon) for part in kept)
        return "\n\n".join(paragraph for paragraph in spoken if paragraph)
    if channel is Channel.EMAIL:
        return _email(kept, lexicon=lexicon, name=name, voice=voice)
    if channel is Channel.SMS:
        return "\n\n".join(
            _plain(_dated(part, lexicon.short_date, lexicon), _SMS_LINK) for part in kept
        )
    return "\n\n".join(_dated(part, lexicon.short_date, lexicon) for part in kept)


def _language(language: str) -> _Language:
    return "es" if language.strip().lower().replace("_", "-").split("-")[0] == "es" else "en"


def _email(parts: Sequence[str], *, lexicon: _Lexicon, name: str | None, voice: Voice) -> str:
    """Greeting, paragraphs, closing and signature, each separated by a blank line except the
    signature, which sits under the closing line. A custom team name is used as written in both
    languages; the default one is translated."""
    customer = (name or "").strip()
    greeting = lexicon.greeting.format(name=customer) if customer else lexicon.anonymous_greeting
    team = lexicon.default_team if voice.team == DEFAULT_TEAM else voice.team
    body = [_plain(_dated(part, lexicon.long_date, lexicon), _EMAIL_LINK) for part in parts]
    return "\n\n".join([greeting, *body, f"{lexicon.closing}\n{team}, {voice.brand}"])


def _outside_urls(text: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the text between URLs, so a date inside a link is never rewritten."""
    pieces: list[str] = []
    position = 0
    for url in _URL_OR_LINK_TARGET.finditer(text):
        pieces += [change(text[position : url.start()]), url.group()]
        position = url.end()
    pieces.append(change(text[position:]))
    return "".join(pieces)


def _dated(text: str, template: str, lexicon: _Lexicon) -> str:
    """Rewrite valid ISO dates outside URLs with `template`; invalid ones stay as written."""

    def replace(match: re.Match[str]) -> str:
        day = _parse_date(match.group())
        return match.group() if day is None else _format_date(day, template, lexicon)

    return _outside_urls(text, lambda piece: _ISO_DATE_RE.sub(replace, piece))


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _format_date(day: date, template: str, lexicon: _Lexicon) -> str:
    weekday, month = day.weekday(), day.month - 1
    return template.format(
        weekday=lexicon.weekdays[weekday],
        weekday_short=lexicon.weekdays_short[weekday],
        day=day.day,
        ordinal=_ordinal(day.day),
        month=lexicon.months[month],
        month_short=lexicon.months_short[month],
        year=day.year,
    )


def _ordinal(number: int) -> str:
    suffix = "th" if 11 <= number % 100 <= 13 else _ORDINAL_SUFFIXES.get(number % 10, "th")
    return f"{number}{suffix}"


def _plain(text: str, link: str) -> str:
    """Remove emphasis and code markers and write links with `link` (fields `text`, `url`); a
    link whose text is its URL is written as the URL alone. Bullets are kept."""

    def replace_link(match: re.Match[str]) -> str:
        label, url = match.group(1).strip(), match.group(2)
        if not label or label in {url, url.split("://", 1)[-1]}:
            return url
        return link.format(text=label, url=url) if url else label

    return _CODE.sub(r"\1", _unemphasised(_LINK.sub(replace_link, text)))


def _unemphasised(text: str) -> str:
    text = _BOLD.sub(lambda match: match.group(1) or match.group(2), text)
    return _ITALIC.sub(r"\1", text)


def _spoken_part(part: str, lexicon: _Lexicon) -> str:
    """One paragraph of speech: markdown and URLs gone, list items and headings as sentences,
    long sentences split, placeholders rewritten as said."""
    text = _LINK.sub(lambda match: match.group(1), part)
    text = _CODE.sub(r"\1", _unemphasised(text))
    text = _BARE_URL_RE.sub(_DROPPED_URL, text)
    blocks: list[str] = []
    running: list[str] = []
    for line in text.splitlines():
        marker = _LIST_MARKER.match(line) or _HEADING_MARKER.match(line)
        if marker is None:
            running.append(line.strip())
            continue
        blocks.append(" ".join(running))
        blocks.append(_capitalised(line[marker.end() :].strip()))
        running = []
    blocks.append(" ".join(running))
    sentences = [
        _spoken(short, lexicon)
        for block in blocks
        if (tidy := _tidied(block, lexicon))
        for sentence in _SENTENCE_BREAK.split(tidy)
        for short in _shortened(sentence, lexicon)
    ]
    return " ".join(sentences)


def _tidied(block: str, lexicon: _Lexicon) -> str:
    """Close the gaps a dropped URL leaves: at the end of a clause it goes with the word that led
    to it ("visit us at ." and "here: ."), inside one it is called "the website" so the sentence
    still reads. Drop markdown left over from unbalanced markers, replace a spaced dash with a
    pause and end the block as a sentence."""
    leads = "|".join(lexicon.url_leads)
    block = re.sub(
        rf"(?:\s+(?i:{leads}))?\s*{_DROPPED_URL}(?=\s*(?:[.,;:!?]|$))", "", block
    ).replace(_DROPPED_URL, lexicon.website)
    block = re.sub(r"[*\[\]]", "", _SPACED_DASH.sub(", ", block))
    block = re.sub(r"\(\s*\)", "", block)
    block = re.sub(r"\s+([.,;:!?])", r"\1", block)
    block = re.sub(r"[:;,]+(?=[.!?]|$)", "", block)
    block = re.sub(r"[:;,]+([:;,])", r"\1", block)
    block = re.sub(r"\s{2,}", " ", block).strip()
    if block and not _TERMINATED.search(block):
        block += "."
    return block


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shortened(sentence: str, lexicon: _Lexicon) -> list[str]:
    """Split a sentence of more than MAX_SPOKEN_WORDS words in two, then each half again if it
    is still long. The split goes at the comma or semicolon nearest the middle, or failing that
    before the conjunction nearest the middle; a sentence with neither stays whole."""
    words = sentence.split()
    if len(words) <= MAX_SPOKEN_WORDS:
        return [sentence]
    middle = len(words) / 2
    best: tuple[int, float, int] | None = None
    for index in range(_MIN_SPLIT_WORDS, len(words) - _MIN_SPLIT_WORDS + 1):
        if words[index - 1].endswith((",", ";")):
            rank = 0
        elif words[index].lower() in lexicon.conjunctions:
            rank = 1
        else:
            continue
        candidate = (rank, abs(index - middle), index)
        if best is None or candidate < best:
            best = candidate
    if best is None:
        return [sentence]
    index = best[2]
    first = " ".join(words[:index]).rstrip(",;") + "."
    rest = _capitalised(" ".join(words[index:]))
    return _shortened(first, lexicon) + _shortened(rest, lexicon)


def _spoken(sentence: str, lexicon: _Lexicon) -> str:
    """Rewrite money, ISO dates, 24-hour times and identifiers in `sentence` as they are said."""

    def replace(match: re.Match[str]) -> str:
        if match.group("prefix_currency"):
            return _money(match.group("prefix_amount"), match.group("prefix_currency"), lexicon)
        if match.group("suffix_currency"):
            return _money(match.group("suffix_amount"), match.group("suffix_currency"), lexicon)
        if match.group("date"):
            day = _parse_date(match.group("date"))
            return match.group() if day is None else _format_date(day, lexicon.spoken_date, lexicon)
        if match.group("hour"):
            before = sentence[: match.start()]
            return _time(int(match.group("hour")), int(match.group("minute")), lexicon, before)
        return _spelled(match.group("identifier"), lexicon)

    return _SPOKEN.sub(replace, sentence)


def _money(amount: str, currency: str, lexicon: _Lexicon) -> str:
    """'42 dollars and 50 cents', '1 euro', '5 cents'; whole units are grouped by thousands
    with commas in English, so "1234" is not read as a year, and left ungrouped in Spanish, where
    the year and the number are said alike."""
    units, cents = _amount(amount)
    words = lexicon.currencies[currency]
    whole = f"{units:,}" if lexicon.language == "en" else str(units)
    said_units = f"{whole} {words.one if units == 1 else words.many}"
    said_cents = f"{cents} {words.cent if cents == 1 else words.cents}"
    if cents == 0:
        return said_units
    if units == 0:
        return said_cents
    return f"{said_units} {lexicon.money_and} {said_cents}"


def _amount(amount: str) -> tuple[int, int]:
    """Whole units and cents of a written amount; '42.5' is 42 and 50 cents."""
    separator = max(amount.rfind("."), amount.rfind(","))
    if separator != -1 and len(amount) - separator - 1 <= 2:
        whole, fraction = amount[:separator], amount[separator + 1 :].ljust(2, "0")
    else:
        whole, fraction = amount, "0"
    return int(re.sub(r"\D", "", whole) or "0"), int(fraction)


def _time(hour: int, minute: int, lexicon: _Lexicon, before: str) -> str:
    """English: '2:30 PM', '9 AM', 'noon', 'midnight'. Spanish keeps the 24-hour clock, which is
    how times are said there, with the article ('las 14:30', 'la 1:15') unless the text already
    has it."""
    if lexicon.language == "es":
        article = "" if _SPANISH_TIME_ARTICLE.search(before) else ("la " if hour == 1 else "las ")
        return f"{article}{hour}:{minute:02d}"
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    clock = hour % 12 or 12
    suffix = "AM" if hour < 12 else "PM"
    return f"{clock} {suffix}" if minute == 0 else f"{clock}:{minute:02d} {suffix}"


def _spelled(identifier: str, lexicon: _Lexicon) -> str:
    """'W2000123-R1' as 'W 2 0 0, 0 1 2 3, dash, R 1': every character on its own, in groups of
    near-equal size (at most four) with a pause between groups, so it can be written down."""
    segments = [segment for segment in identifier.split("-") if segment]
    return f", {lexicon.dash}, ".join(_grouped(segment) for segment in segments)


def _grouped(segment: str) -> str:
    count = -(-len(segment) // _SPELLING_GROUP)
    size, longer = divmod(len(segment), count)
    groups: list[str] = []
    position = 0
    for group in range(count):
        end = position + size + (1 if group < longer else 0)
        groups.append(" ".join(segment[position:end]))
        position = end
    return ", ".join(groups)

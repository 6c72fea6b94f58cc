"""Language of a message, detected offline with lingua.

lingua runs in high-accuracy mode: low-accuracy mode only looks at trigrams and, measured on
this project's short messages, calls "Where is my order?" German and "hola" French. The
detector is restricted to the languages a deployment serves, which makes it both faster and
more accurate than choosing among all seventy-five lingua knows.
"""

import re
from collections.abc import Iterable

from lingua import IsoCode639_1, LanguageDetectorBuilder

from cxops.domain.triage import Language

__all__ = ["DEFAULT_LANGUAGES", "PREFIX_CHARS", "UNDETERMINED", "LanguageDetector"]

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "it", "pt", "nl")
# Five hundred characters settle the language of any message; reading more only costs time
# (about 0.8 microseconds a character).
PREFIX_CHARS = 500
UNDETERMINED = Language(code="und", confidence=0.0)

_TWO_LETTERS = re.compile(r"[^\W\d_]{2}")


UNSURE = 0.5
"""Below this confidence a detection yields to the customer's known language."""


class LanguageDetector:
    """Detects which of a fixed set of languages a message is written in.

    Building one loads every configured language model up front (a few seconds and a few
    hundred megabytes for the default seven), so that no message pays for a lazy load: build
    one per process and share it; it holds no per-message state.
    """

    def __init__(self, languages: Iterable[str] = DEFAULT_LANGUAGES) -> None:
        codes = []
        for code in dict.fromkeys(languages):
            try:
                codes.append(IsoCode639_1.from_str(code))
            except ValueError:
                raise ValueError(f"unknown ISO 639-1 language code: {code!r}") from None
        if len(codes) < 2:
            raise ValueError("a language detector needs at least two languages to choose from")
        self.languages: tuple[str, ...] = tuple(code.name.lower() for code in codes)
        self._detector = (
            LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            .with_preloaded_language_models()
            .build()
        )

    def detect(self, text: str, *, prefer: str | None = None) -> Language:
        """Name the message's most likely language and the detector's confidence in it.

        Reads only the first `PREFIX_CHARS` characters. A text without two letters in a row
        (empty, emoji, digits, an order number such as "W-1004217", punctuation) is `und` with
        confidence 0. Very short texts ("thx", "cancel") get an answer with a low confidence:
        below `UNSURE` the language the customer is known to `prefer` wins, reported with the
        detector's own confidence in it.
        """
        head = text[:PREFIX_CHARS]
        if _TWO_LETTERS.search(head) is None:
            return UNDETERMINED
        # A lone surrogate (JSON allows "\ud800") cannot cross into lingua's Rust core.
        head = head.encode("utf-8", "replace").decode("utf-8")
        values = self._detector.compute_language_confidence_values(head)
        if not values or values[0].value <= 0.0:
            return UNDETERMINED
        best = values[0]
        if best.value < UNSURE and prefer in self.languages:
            preferred = next(v for v in values if v.language.iso_code_639_1.name.lower() == prefer)
            return Language(code=prefer, confidence=round(preferred.value, 4))
        return Language(
            code=best.language.iso_code_639_1.name.lower(), confidence=round(best.value, 4)
        )

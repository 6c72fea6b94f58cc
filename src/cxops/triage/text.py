"""Text normalisation shared by the keyword rules of triage."""

import unicodedata

_APOSTROPHES = "\u2018\u2019\u02bc\u00b4\u0060"


def _fold_table() -> dict[int, str]:
    table = {ord(mark): "'" for mark in _APOSTROPHES}
    for code in range(0xC0, 0x250):  # Latin-1 Supplement and Latin Extended-A/B
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[code] = base
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Strip accents from Latin letters and straighten apostrophes, one character for one.

    Because the length never changes, an offset found in the folded text is an offset into the
    original, which is what lets keyword rules say exactly where their evidence is. Lower-casing
    the result keeps its length too (the one letter that would grow, "İ", is folded to "I"), so
    rules match lower-case patterns rather than pay for case-insensitive matching.
    """
    return text if text.isascii() else text.translate(_FOLD)

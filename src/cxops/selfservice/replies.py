"""The bot's wording: every sentence it can say, in each language, as data.

Templates live in `cxops/data/selfservice/replies.yaml` so wording is edited without touching
the flows. Loading checks that every template exists in every language with the same
placeholders, so a translation can never drop the order number or the amount.
"""

import string
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator

from cxops.configfile import load_model
from cxops.selfservice.rules import LANGUAGES, Localized

REPLIES = "selfservice/replies.yaml"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Replies(BaseModel):
    """`messages`: sentences with `{placeholders}`; `labels`: how an intent is named to a
    customer ("the status of an order"); `words`: single localized words (statuses)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: dict[str, Localized]
    labels: dict[str, Localized]
    words: dict[str, Localized]

    @model_validator(mode="after")
    def _same_placeholders(self) -> Self:
        problems = []
        for key, text in self.messages.items():
            seen = {lang: _placeholders(text.text(lang)) for lang in LANGUAGES}
            if len({frozenset(names) for names in seen.values()}) > 1:
                problems.append(f"messages.{key}: placeholders differ between languages {seen}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def say(self, key: str, language: str, **params: Any) -> str:
        """The message `key` in `language`, filled in; KeyError names a missing template."""
        return self.messages[key].text(language).format(**params).strip()

    def label(self, intent: str, language: str) -> str:
        found = self.labels.get(intent)
        return intent.replace("_", " ") if found is None else found.text(language)

    def word(self, key: str, language: str) -> str:
        found = self.words.get(key)
        return key.rpartition(".")[2].replace("_", " ") if found is None else found.text(language)


def read_replies(path: Path) -> Replies:
    return load_model(path.read_text(encoding="utf-8"), Replies, source=str(path))


@cache
def default_replies() -> Replies:
    """The wording that ships with cxops."""
    resource = files("cxops.data").joinpath(REPLIES)
    return load_model(resource.read_text(encoding="utf-8"), Replies, source=f"cxops:{REPLIES}")


def money(cents: int, currency: str) -> str:
    """An amount as customers read it: "$42.50"; unknown currencies as "42.50 CHF"."""
    symbol = _SYMBOLS.get(currency.upper())
    amount = f"{cents / 100:,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"

"""The knowledge base agent assist draws on: articles, the chunks retrieval searches, and macros.

An article is stored whole and cut into chunks, one per `##` section (long sections in pieces),
because an agent needs the paragraph that answers the question, not a whole page. A chunk
repeats its article's title, language and intents, so retrieval ranks it without a join.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Literal

UpsertOutcome = Literal["added", "updated", "unchanged"]
"""What storing an article did: a new id, a changed text (its chunks replaced), or nothing."""


class ArticleSource(StrEnum):
    """`shipped`: written by the project, in the wheel. `imported`: the retailer's own; an
    imported article with a shipped article's id replaces it and is never overwritten by it."""

    SHIPPED = "shipped"
    IMPORTED = "imported"


@dataclass(frozen=True, slots=True)
class Article:
    """One knowledge-base page. `body` is normalized Markdown without front matter or title
    line; `sha256` fingerprints the body and every other field, so re-importing an unchanged
    file can be recognised and skipped. `language` is an ISO 639-1 code."""

    id: str
    title: str
    topic: str
    intents: tuple[str, ...]
    language: str
    source: ArticleSource
    body: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable passage: `id` is `f"{article_id}#{ordinal}"`, ordinals count from 0 in
    reading order. `heading` is its `##` section's heading ("" for the text before the first
    one); `text` starts with the article title and the heading, so both count in retrieval."""

    id: str
    article_id: str
    ordinal: int
    heading: str
    text: str
    language: str
    intents: tuple[str, ...]
    title: str


@dataclass(frozen=True, slots=True)
class Macro:
    """A reply template an agent can send. `text` has `{placeholders}` filled from the case;
    `requires` names those that must be known before it may be sent. No `intents` means it
    fits any conversation (openings, closings)."""

    id: str
    title: str
    intents: tuple[str, ...]
    language: str
    text: str
    requires: tuple[str, ...]

    @property
    def sha256(self) -> str:
        """Fingerprint of every field: a re-imported unchanged macro is recognised and skipped."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, counted in articles and in macros. `problems` holds one line per
    document that could not be imported, naming it and why; the others were imported regardless."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    problems: tuple[str, ...] = ()
    macros_added: int = 0
    macros_updated: int = 0
    macros_unchanged: int = 0

    @property
    def documents(self) -> int:
        """How many documents were found, imported or not."""
        return self.added + self.updated + self.unchanged + len(self.problems)

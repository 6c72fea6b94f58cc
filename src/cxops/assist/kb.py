"""Reading the knowledge base: Markdown and HTML articles, their chunks, and the shipped KB.

Pure: parsers take text and return an `Article`, chunking is deterministic, and only the
`shipped_*` loaders read anything (the package's own resources). Retailers import what they
already have, so a Markdown file needs no front matter and an HTML page no markup of ours; the
KB that ships with cxops is held to more: complete front matter and an id equal to its file name.

Every article carries a SHA-256 of its normalized body and metadata, so importing the same
files again is recognised as a no-op and only changed articles are re-chunked.
"""

import hashlib
import json
import re
import string
import unicodedata
from collections.abc import Iterable
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import PurePath
from typing import Annotated, Any, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    RootModel,
    StringConstraints,
    ValidationError,
    model_validator,
)

from cxops.configfile import load_model
from cxops.domain.errors import InvalidInputError
from cxops.domain.knowledge import Article, ArticleSource, Chunk, Macro

ARTICLES = "kb/articles"
MACROS = "kb/macros.yaml"
MAX_CHUNK_WORDS = 180
"""A chunk's text, title and heading aside, holds at most this many words: long enough for a
whole answer, short enough that retrieval scores the passage rather than the page."""

PLACEHOLDERS = frozenset(
    {
        "first_name",
        "order_id",
        "carrier",
        "tracking_number",
        "eta",
        "label_reference",
        "refund_amount",
        "return_window_days",
        "store_name",
        "product",
        "warranty_until",
        "warranty_ended",
        "promotion_code",
        "promotion",
    }
)
"""What a macro may ask to be filled in: facts assist can take from the case and its order."""

DEFAULT_TOPIC = "general"
DEFAULT_LANGUAGE = "en"
# Lengths of the columns that store these fields.
_MAX_ID = 120
_MAX_TITLE = 300
_MAX_TOPIC = 64
_FIELDS = ("id", "title", "topic", "intents", "language")
_SLUG = r"^[a-z0-9][a-z0-9_-]*$"
_HEADING = re.compile(r"^## (.*)$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)


def _language_code(value: str) -> str:
    """The primary subtag, lower case ("es-ES" -> "es"), as triage names languages."""
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2}", code):
        raise ValueError(f"{value!r} is not a language code such as en or es")
    return code


_Language = Annotated[str, AfterValidator(_language_code)]
_Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=_MAX_TITLE)
]
_Intent = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
_Slug = Annotated[str, StringConstraints(pattern=_SLUG, max_length=_MAX_ID)]


class _Metadata(BaseModel):
    """An article's fields other than its body, however they were found."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: _Slug
    title: _Title
    topic: Annotated[str, StringConstraints(pattern=_SLUG, max_length=_MAX_TOPIC)]
    intents: tuple[_Intent, ...]
    language: _Language


def parse_markdown(text: str, *, source_name: str) -> Article:
    """Read a Markdown article a retailer imports.

    YAML front matter (id, title, topic, intents, language) is optional and other keys in it are
    ignored; without them the id is the file name's slug, the title the first `# ` heading (else
    the file name), the topic "general", no intents, and the language English. A leading `# `
    title line is dropped from the body. Raise `InvalidInputError` naming `source_name` and the
    field for anything unusable.
    """
    return _markdown(text, source_name=source_name, source=ArticleSource.IMPORTED, strict=False)


def parse_html(text: str, *, source_name: str) -> Article:
    """Read an HTML page a retailer imports.

    The title is the `<title>`, else the first `<h1>`; scripts, styles and navigation are
    dropped; `<h2>`/`<h3>` become `## ` sections, list items "- " lines, paragraphs and line
    breaks paragraphs. `<html lang>` and `<meta name="cxops:topic">` / `<meta
    name="cxops:intents" content="a,b">` set those fields; the rest default as in
    `parse_markdown`. Raise `InvalidInputError` naming `source_name` and the field.
    """
    page = _Page()
    page.feed(text)
    page.close()
    meta = {
        "id": _slug(source_name),
        "title": page.title or page.h1 or _file_title(source_name),
        "topic": page.meta.get("cxops:topic", DEFAULT_TOPIC),
        "intents": [i.strip() for i in page.meta.get("cxops:intents", "").split(",") if i.strip()],
        "language": page.lang or DEFAULT_LANGUAGE,
    }
    return _article(meta, page.body(), source_name=source_name, source=ArticleSource.IMPORTED)


def chunk(article: Article, *, max_words: int = MAX_CHUNK_WORDS) -> list[Chunk]:
    """Cut an article into chunks, in reading order.

    One chunk per `##` section, and one for the text before the first section if there is any;
    a section longer than `max_words` is split at paragraph ends (a paragraph longer than that at
    line ends, then sentence ends, then between words) into pieces of at most `max_words`.
    A section with a heading and no text yields nothing.
    """
    chunks: list[Chunk] = []
    for heading, text in _sections(article.body):
        paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
        pieces = _pack([piece for p in paragraphs for piece in _fit(p, max_words)], max_words)
        for piece in pieces:
            lead = f"{article.title}\n{heading}" if heading else article.title
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{article.id}#{ordinal}",
                    article_id=article.id,
                    ordinal=ordinal,
                    heading=heading,
                    text=f"{lead}\n\n{piece}",
                    language=article.language,
                    intents=article.intents,
                    title=article.title,
                )
            )
    return chunks


def shipped_articles() -> list[Article]:
    """The articles that ship with cxops, by file name; `InvalidInputError` names a broken one."""
    folder = files("cxops.data").joinpath(ARTICLES)
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".md")), key=lambda e: e.name)
    return [
        _markdown(
            entry.read_text(encoding="utf-8"),
            source_name=f"cxops:{ARTICLES}/{entry.name}",
            source=ArticleSource.SHIPPED,
            strict=True,
        )
        for entry in entries
    ]


def shipped_origin(article: Article) -> str:
    """Where a shipped article comes from, as its stored record names it."""
    return f"cxops:{ARTICLES}/{article.id}.md"


def shipped_macros() -> list[Macro]:
    """The reply macros that ship with cxops."""
    resource = files("cxops.data").joinpath(MACROS)
    return parse_macros(resource.read_text(encoding="utf-8"), source=f"cxops:{MACROS}")


def parse_macros(text: str, *, source: str) -> list[Macro]:
    """Read a YAML list of macros; `ConfigError` names the line and field of each problem.

    Placeholders must be among `PLACEHOLDERS`, `requires` among those the text uses, ids unique.
    """
    return [
        Macro(
            id=m.id,
            title=m.title,
            intents=m.intents,
            language=m.language,
            text=m.text,
            requires=m.requires,
        )
        for m in load_model(text, _Macros, source=source).root
    ]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class _MacroModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: _Slug
    title: _Title
    intents: tuple[_Intent, ...]
    language: _Language
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    requires: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_placeholders(self) -> Self:
        used = _placeholders(self.text)
        if unknown := used - PLACEHOLDERS:
            raise ValueError(
                f"unknown placeholders {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}"
            )
        if unused := set(self.requires) - used:
            raise ValueError(f"requires {sorted(unused)}, which the text does not use")
        return self


class _Macros(RootModel[list[_MacroModel]]):
    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [m.id for m in self.root]
        if repeated := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"macro ids used more than once: {repeated}")
        return self


def _markdown(text: str, *, source_name: str, source: ArticleSource, strict: bool) -> Article:
    text = _newlines(text)
    front, body = _front_matter(text, source_name=source_name)
    if strict:
        _check_complete(front, source_name=source_name)
    title, body = _title_line(body)
    meta: dict[str, Any] = {
        "id": _slug(source_name),
        "title": title or _file_title(source_name),
        "topic": DEFAULT_TOPIC,
        "intents": (),
        "language": DEFAULT_LANGUAGE,
    }
    meta |= {key: value for key, value in front.items() if key in _FIELDS and value is not None}
    article = _article(meta, body, source_name=source_name, source=source)
    if strict and article.id != PurePath(source_name).stem:
        raise InvalidInputError(f"{source_name}: id", "must equal the file name without .md")
    return article


def _newlines(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str, *, source_name: str) -> tuple[dict[str, Any], str]:
    """The front matter mapping (empty without one) and the text after it."""
    if not re.match(r"---[ \t]*\n", text):
        return {}, text
    found = _FRONT_MATTER.match(text)
    if found is None:
        raise InvalidInputError(f"{source_name}: front matter", "has no closing `---` line")
    try:
        data = yaml.safe_load(found.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # The front matter starts on the file's second line.
        line = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise InvalidInputError(
            f"{source_name}: front matter", f"is not valid YAML{line}: {problem}"
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInputError(f"{source_name}: front matter", "must be a mapping of fields")
    return data, text[found.end() :]


def _check_complete(front: dict[str, Any], *, source_name: str) -> None:
    if missing := [key for key in _FIELDS if key not in front]:
        raise InvalidInputError(f"{source_name}: front matter", f"misses {', '.join(missing)}")
    if unknown := sorted(str(key) for key in front if key not in _FIELDS):
        raise InvalidInputError(f"{source_name}: front matter", f"has unknown {', '.join(unknown)}")


def _title_line(body: str) -> tuple[str, str]:
    """A leading `# ` heading's text and the body without it; ("", body) if there is none."""
    stripped = body.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), rest
    return "", body


def _slug(source_name: str) -> str:
    stem = PurePath(source_name).stem
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:_MAX_ID].rstrip("-")


def _file_title(source_name: str) -> str:
    return re.sub(r"[-_]+", " ", PurePath(source_name).stem).strip()


def _article(
    meta: dict[str, Any], body: str, *, source_name: str, source: ArticleSource
) -> Article:
    if not meta["id"]:
        raise InvalidInputError(
            f"{source_name}: id", "cannot be made from the file name; set `id` in front matter"
        )
    try:
        fields = _Metadata.model_validate(meta)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidInputError(f"{source_name}: {where}", error["msg"]) from exc
    body = _normalized(body)
    lines = body.split("\n")
    if not any(line.strip() and not _HEADING.match(line) for line in lines):
        raise InvalidInputError(f"{source_name}: body", "has no text")
    for line in lines:
        heading = _HEADING.match(line)
        if heading is not None and len(heading.group(1)) > _MAX_TITLE:
            raise InvalidInputError(
                f"{source_name}: heading", f"longer than {_MAX_TITLE} characters: {line[:40]}…"
            )
    fingerprint = json.dumps(
        fields.model_dump(mode="json") | {"source": source.value, "body": body},
        sort_keys=True,
        ensure_ascii=False,
    )
    return Article(
        id=fields.id,
        title=fields.title,
        topic=fields.topic,
        intents=fields.intents,
        language=fields.language,
        source=source,
        body=body,
        sha256=hashlib.sha256(fingerprint.encode("utf-8")).hexdigest(),
    )


def _normalized(body: str) -> str:
    """Trailing spaces gone, runs of blank lines made one, so cosmetic edits do not count."""
    text = "\n".join(line.rstrip() for line in _newlines(body).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) of each `##` section in order; the intro has heading ""."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.split("\n"):
        heading = _HEADING.match(line)
        if heading is None:
            sections[-1][1].append(line)
        else:
            sections.append((heading.group(1).strip(), []))
    return [(heading, "\n".join(lines).strip()) for heading, lines in sections]


def _words(text: str) -> int:
    return len(text.split())


def _fit(text: str, limit: int) -> list[str]:
    """Break one paragraph into pieces of at most `limit` words: at line ends, then sentence
    ends, then between words."""
    if _words(text) <= limit:
        return [text]
    for pattern, joiner in ((r"\n", "\n"), (r"(?<=[.!?])\s+", " ")):
        parts = [part.strip() for part in re.split(pattern, text) if part.strip()]
        if len(parts) > 1:
            return _pack((piece for part in parts for piece in _fit(part, limit)), limit, joiner)
    words = text.split()
    return [" ".join(words[i : i + limit]) for i in range(0, len(words), limit)]


def _pack(pieces: Iterable[str], limit: int, joiner: str = "\n\n") -> list[str]:
    """Join consecutive pieces while the result stays within `limit` words."""
    packed: list[str] = []
    count = 0
    for piece in pieces:
        size = _words(piece)
        if packed and count + size <= limit:
            packed[-1] = f"{packed[-1]}{joiner}{piece}"
            count += size
        else:
            packed.append(piece)
            count = size
    return packed


class _Page(HTMLParser):
    """Collects an HTML page's title, language, cxops meta tags and body as Markdown blocks."""

    _SKIPPED = frozenset({"script", "style", "nav", "noscript", "template", "svg"})
    _BLOCKS = frozenset(
        {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote"}
        | {"pre", "table", "tr", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "form"}
        | {"hr", "br", "h4", "h5", "h6", "address", "details", "summary"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.lang = ""
        self.meta: dict[str, str] = {}
        self._blocks: list[tuple[str, str]] = []  # (kind, text): kind is "p", "li" or "h"
        self._buffer: list[str] = []
        self._kind = "p"
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag == "html" and values.get("lang"):
            self.lang = values["lang"]
        elif tag == "meta" and values.get("name", "").lower().startswith("cxops:"):
            self.meta[values["name"].lower()] = values.get("content", "")
        elif tag == "title":
            self._in_title = True
        elif tag in {"h1", "h2", "h3", "li"} or tag in self._BLOCKS:
            self._flush()
            if tag == "li":
                self._kind = "li"
            elif tag in {"h2", "h3"} or (tag == "h1" and self.h1):
                self._kind = "h"
            elif tag == "h1":
                self._kind = "h1"
        elif tag in {"td", "th"}:
            self._buffer.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in {"h1", "h2", "h3", "li"} or tag in self._BLOCKS:
            self._flush()
            self._kind = "p"

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._in_title:
            self.title = " ".join(f"{self.title} {data}".split())
        else:
            self._buffer.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._buffer).split())
        self._buffer = []
        if not text:
            return
        if self._kind == "h1":
            self.h1 = text
        else:
            self._blocks.append((self._kind, text))
        self._kind = "p"

    def body(self) -> str:
        """The page's text as Markdown: `## ` headings, "- " list lines, blank-line paragraphs."""
        self._flush()
        lines: list[str] = []
        previous = ""
        for kind, text in self._blocks:
            if lines and not (kind == "li" and previous == "li"):
                lines.append("")
            lines.append({"h": f"## {text}", "li": f"- {text}"}.get(kind, text))
            previous = kind
        return "\n".join(lines)

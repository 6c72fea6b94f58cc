"""The project's own intent training data: validate the shipped YAML and expand it into a corpus.

The default intent model is trained from data the project writes itself (never a public dataset),
and it is judged on real customer messages it has never seen. Hand-written examples carry the
variety of phrasing; this module adds the variety of *form* that real traffic has and that nobody
writes by hand at scale: typos, chat slang, no punctuation, shouting, angry and polite registers,
long emails around a short request, and a second smaller request in the same message.

The data lives in ``cxops/data/intents/``:

- ``taxonomy.yaml``: every intent name with a one-line description;
- ``slots.yaml``: per language, the values of the ``{slot}`` placeholders used by templates;
- ``augment.yaml``: per language, the phrases wrapped around examples (greetings, sign-offs, ...);
- ``<language>/<intent>.yaml``: ``{intent, language, examples, templates}``.

Every file is validated with pydantic, and any problem is raised as a `CorpusDataError` naming the
file and the field, because the people who edit these files are writers, not programmers. Loaders
take a ``root`` directory (defaulting to the packaged data, read through importlib.resources so it
works from an installed wheel), so tests and users can point them at their own data.

`build_corpus` is deterministic for a seed: all randomness comes from private `random.Random`
instances seeded per language and intent, so a model version can be rebuilt bit for bit and adding
one intent does not reshuffle the others.
"""

import random
import re
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Final, Literal, NoReturn

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from cxops.domain.triage import ORDER_INTENTS

__all__ = [
    "SUPPORTED_LANGUAGES",
    "AugmentationPhrases",
    "CorpusDataError",
    "IntentDefinition",
    "IntentExamples",
    "LabelledText",
    "build_corpus",
    "default_data_root",
    "expand_template",
    "load_augmentation",
    "load_examples",
    "load_slots",
    "load_taxonomy",
    "template_slots",
]

Language = Literal["en", "es"]
SUPPORTED_LANGUAGES: Final[tuple[Language, ...]] = ("en", "es")

TAXONOMY_FILE: Final = "taxonomy.yaml"
SLOTS_FILE: Final = "slots.yaml"
AUGMENT_FILE: Final = "augment.yaml"

# Intents that are only ever a bare line: wrapping a greeting in an email or adding a second
# request would turn it into another intent, and out-of-scope chatter never comes with an order.
_SURFACE_ONLY_INTENTS: Final = frozenset({"greeting"})
_NO_WRAPPING_INTENTS: Final = frozenset({"greeting", "out_of_scope"})
# Intents about an existing order (`ORDER_INTENTS`) are the ones whose emails usually quote the
# order number; pre-purchase questions (delivery options, products, stores) rarely do, and the
# model may learn that.
# Praise wrapped in "This is ridiculous." reads as nonsense, not as an angry customer.
_NO_ANGRY_INTENTS: Final = frozenset({"feedback", "greeting"})

# At most this many augmented texts per original or templated one: augmentation adds form, not
# meaning, so it must not drown the hand-written phrasing it is derived from.
_AUGMENTATION_RATIO: Final = 4.5

_SLOT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_INTENT_NAME = re.compile(r"^[a-z][a-z_]*[a-z]$")


class CorpusDataError(ValueError):
    """A data file is missing, unreadable or invalid; the message names the file and the field."""

    def __init__(self, *, file: str, field: str, reason: str) -> None:
        super().__init__(f"{file}: {field}: {reason}")
        self.file = file
        self.field = field
        self.reason = reason


# --------------------------------------------------------------------------------------------
# File models
# --------------------------------------------------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
NonEmptyTexts = Annotated[list[Text], Field(min_length=1)]


def _known_slots_only(value: str, info: ValidationInfo) -> str:
    """Reject a template whose placeholders are malformed or name a slot the language lacks."""
    names = template_slots(value)
    known: frozenset[str] | None = (info.context or {}).get("slots")
    if known is not None:
        unknown = [name for name in names if name not in known]
        if unknown:
            listed = ", ".join(sorted(known)) or "none"
            raise ValueError(f"unknown slot {{{unknown[0]}}} (known slots: {listed})")
    return value


def _quotes_the_order(value: str) -> str:
    if "order_id" not in template_slots(value):
        raise ValueError("must contain {order_id}")
    return value


Template = Annotated[Text, AfterValidator(_known_slots_only)]
NonEmptyTemplates = Annotated[list[Template], Field(min_length=1)]
OrderLine = Annotated[Template, AfterValidator(_quotes_the_order)]


class _DataModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class IntentDefinition(_DataModel):
    """One intent of the taxonomy: its stable name and what it means."""

    name: str
    description: Text

    @field_validator("name")
    @classmethod
    def _name_is_snake_case(cls, value: str) -> str:
        if not _INTENT_NAME.match(value):
            raise ValueError(f"intent name {value!r} must be lower_snake_case")
        return value


class _TaxonomyFile(_DataModel):
    intents: Annotated[list[IntentDefinition], Field(min_length=1)]

    @field_validator("intents")
    @classmethod
    def _names_are_unique(cls, value: list[IntentDefinition]) -> list[IntentDefinition]:
        seen: set[str] = set()
        for definition in value:
            if definition.name in seen:
                raise ValueError(f"intent {definition.name!r} is listed twice")
            seen.add(definition.name)
        return value


class IntentExamples(_DataModel):
    """Hand-written examples and slot templates for one intent in one language."""

    intent: str
    language: Language
    examples: NonEmptyTexts
    templates: NonEmptyTemplates

    @field_validator("intent")
    @classmethod
    def _intent_is_in_taxonomy(cls, value: str, info: ValidationInfo) -> str:
        context = info.context or {}
        known: frozenset[str] | None = context.get("intents")
        if known is not None and value not in known:
            raise ValueError(f"unknown intent {value!r} (not in {TAXONOMY_FILE})")
        expected = context.get("file_intent")
        if expected is not None and value != expected:
            raise ValueError(f"intent {value!r} does not match the file name {expected!r}")
        return value

    @field_validator("language")
    @classmethod
    def _language_matches_folder(cls, value: str, info: ValidationInfo) -> str:
        expected = (info.context or {}).get("folder_language")
        if expected is not None and value != expected:
            raise ValueError(f"language {value!r} does not match the folder {expected!r}")
        return value

    @field_validator("examples")
    @classmethod
    def _examples_are_distinct(cls, value: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        for index, text in enumerate(value):
            key = _normalise(text)
            if key in seen:
                raise ValueError(f"item {index} repeats item {seen[key]}: {text!r}")
            seen[key] = index
        return value


class AugmentationPhrases(_DataModel):
    """Intent-neutral phrases of one language that the builder wraps around examples."""

    polite_prefixes: NonEmptyTexts
    polite_suffixes: NonEmptyTexts
    angry_prefixes: NonEmptyTexts
    angry_suffixes: NonEmptyTexts
    email_openings: NonEmptyTexts
    email_contexts: NonEmptyTexts
    email_order_lines: Annotated[list[OrderLine], Field(min_length=1)]
    email_closings: NonEmptyTexts
    connectors: NonEmptyTexts
    secondary_requests: Annotated[dict[str, NonEmptyTexts], Field(min_length=1)]
    voice_fillers: NonEmptyTexts
    slang: Annotated[dict[Text, NonEmptyTexts], Field(min_length=1)]
    slang_suffixes: NonEmptyTexts

    @field_validator("secondary_requests")
    @classmethod
    def _secondary_intents_exist(
        cls, value: dict[str, list[str]], info: ValidationInfo
    ) -> dict[str, list[str]]:
        known: frozenset[str] = (info.context or {}).get("intents", frozenset())
        for intent in value:
            if intent not in known:
                raise ValueError(f"unknown intent {intent!r} (not in {TAXONOMY_FILE})")
        return value


SlotValues = Mapping[str, tuple[str, ...]]

_SLOTS_ADAPTER: Final = TypeAdapter(
    dict[Language, Annotated[dict[str, NonEmptyTexts], Field(min_length=1)]],
    config=ConfigDict(strict=True),
)
_AUGMENT_ADAPTER: Final = TypeAdapter(dict[Language, AugmentationPhrases])


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One training text with its intent label and language."""

    text: str
    label: str
    language: str


def default_data_root() -> Traversable:
    """Return the packaged intent data, readable from a source tree or an installed wheel."""
    return files("cxops.data").joinpath("intents")


def _describe(root: Traversable, relative: str) -> str:
    return str(root.joinpath(relative))


def _format_location(location: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else part)
    return "".join(parts) or "(top level)"


def _raise_for(error: ValidationError, *, file: str) -> NoReturn:
    details = error.errors(include_url=False)
    first = details[0]
    field = _format_location(tuple(first["loc"]))
    reason = str(first["msg"])
    if len(details) > 1:
        others = "; ".join(f"{_format_location(tuple(d['loc']))}: {d['msg']}" for d in details[1:5])
        reason = f"{reason} (also: {others})"
    raise CorpusDataError(file=file, field=field, reason=reason) from error


def _read_yaml(root: Traversable, relative: str) -> Any:
    resource = root.joinpath(relative)
    name = _describe(root, relative)
    if not resource.is_file():
        raise CorpusDataError(file=name, field="(file)", reason="file not found")
    try:
        return yaml.safe_load(resource.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CorpusDataError(file=name, field="(syntax)", reason=str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise CorpusDataError(file=name, field="(encoding)", reason=str(exc)) from exc


def _validate(
    model: type[_DataModel] | TypeAdapter[Any],
    data: Any,
    *,
    file: str,
    context: Mapping[str, Any] | None = None,
) -> Any:
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data, context=dict(context or {}))
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as error:
        _raise_for(error, file=file)


def load_taxonomy(root: Traversable | None = None) -> tuple[IntentDefinition, ...]:
    """Return every intent of the taxonomy, in the order the taxonomy file lists them."""
    base = root if root is not None else default_data_root()
    data = _read_yaml(base, TAXONOMY_FILE)
    taxonomy: _TaxonomyFile = _validate(_TaxonomyFile, data, file=_describe(base, TAXONOMY_FILE))
    return tuple(taxonomy.intents)


def load_slots(root: Traversable | None = None) -> Mapping[str, SlotValues]:
    """Return the template slot values of every language: language -> slot -> values."""
    base = root if root is not None else default_data_root()
    data = _read_yaml(base, SLOTS_FILE)
    name = _describe(base, SLOTS_FILE)
    parsed: dict[str, dict[str, list[str]]] = _validate(_SLOTS_ADAPTER, data, file=name)
    for language, slots in parsed.items():
        for slot in slots:
            if not _SLOT_NAME.match(slot):
                raise CorpusDataError(
                    file=name,
                    field=f"{language}.{slot}",
                    reason="slot names must be lower_snake_case",
                )
    return {
        language: {slot: tuple(values) for slot, values in slots.items()}
        for language, slots in parsed.items()
    }


def _intent_names(root: Traversable) -> frozenset[str]:
    return frozenset(definition.name for definition in load_taxonomy(root))


def load_augmentation(root: Traversable | None = None) -> Mapping[str, AugmentationPhrases]:
    """Return the augmentation phrases of every language that has them."""
    base = root if root is not None else default_data_root()
    data = _read_yaml(base, AUGMENT_FILE)
    intents = _intent_names(base)
    slots = load_slots(base)
    name = _describe(base, AUGMENT_FILE)
    if not isinstance(data, dict):
        raise CorpusDataError(file=name, field="(top level)", reason="expected a mapping")
    phrases: dict[str, AugmentationPhrases] = {}
    for language, raw in data.items():
        context = {"intents": intents, "slots": frozenset(slots.get(str(language), {}))}
        parsed: dict[str, AugmentationPhrases] = _validate(
            _AUGMENT_ADAPTER, {language: raw}, file=name, context=context
        )
        phrases.update(parsed)
    return phrases


def load_examples(
    root: Traversable | None = None, *, languages: Sequence[str] = SUPPORTED_LANGUAGES
) -> tuple[IntentExamples, ...]:
    """Return every intent file of the given languages, sorted by language and intent."""
    base = root if root is not None else default_data_root()
    intents = _intent_names(base)
    slots = load_slots(base)
    loaded: list[IntentExamples] = []
    for language in languages:
        if language not in SUPPORTED_LANGUAGES:
            raise CorpusDataError(
                file=_describe(base, language),
                field="language",
                reason=f"unsupported language {language!r} (supported: {SUPPORTED_LANGUAGES})",
            )
        folder = base.joinpath(language)
        if not folder.is_dir():
            continue
        for resource in sorted(folder.iterdir(), key=lambda item: item.name):
            if not resource.name.endswith(".yaml"):
                continue
            relative = f"{language}/{resource.name}"
            context = {
                "intents": intents,
                "slots": frozenset(slots.get(language, {})),
                "file_intent": resource.name.removesuffix(".yaml"),
                "folder_language": language,
            }
            data = _read_yaml(base, relative)
            loaded.append(
                _validate(IntentExamples, data, file=_describe(base, relative), context=context)
            )
    return tuple(loaded)


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def template_slots(template: str) -> tuple[str, ...]:
    """Return the slot names a template uses, in order; raise ValueError if one is malformed."""
    names: list[str] = []
    for _literal, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        if spec or conversion or not _SLOT_NAME.match(field):
            raise ValueError(f"placeholders must look like {{slot_name}}, not {{{field}}}")
        names.append(field)
    return tuple(names)


def expand_template(template: str, slots: SlotValues, rng: random.Random) -> str:
    """Fill every slot of a template with a random value; a repeated slot gets distinct values."""
    used: dict[str, list[str]] = {}
    parts: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(literal)
        if field is None:
            continue
        taken = used.setdefault(field, [])
        choices = [value for value in slots[field] if value not in taken] or list(slots[field])
        value = rng.choice(choices)
        taken.append(value)
        parts.append(value)
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Augmentation: each function takes a text and returns how a real customer might have typed it
# --------------------------------------------------------------------------------------------

_QWERTY_ROWS: Final = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Map each letter to the keys around it, for typos that a thumb actually makes."""
    neighbours: dict[str, str] = {}
    for row_index, row in enumerate(_QWERTY_ROWS):
        for column, key in enumerate(row):
            near = [row[i] for i in (column - 1, column + 1) if 0 <= i < len(row)]
            for other_index in (row_index - 1, row_index + 1):
                if 0 <= other_index < len(_QWERTY_ROWS):
                    other = _QWERTY_ROWS[other_index]
                    near.extend(other[i] for i in (column - 1, column) if 0 <= i < len(other))
            neighbours[key] = "".join(near)
    return neighbours


_NEIGHBOURS: Final = _keyboard_neighbours()
_PUNCTUATION: Final = re.compile(r"[.,!?;:\"()¿¡…]+")
_SPACES: Final = re.compile(r"[ \t]+")
_SENTENCE_END: Final = re.compile(r"[.!?…)]$")
_WORD: Final = re.compile(r"[^\W\d_]{4,}")


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn" or c == "\u0303")
    return unicodedata.normalize("NFC", kept)


def _lowercase(text: str) -> str:
    return text.lower()


def _no_punctuation(text: str, rng: random.Random, language: str) -> str:
    bare = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()
    bare = "\n".join(line.strip() for line in bare.splitlines())
    if rng.random() < 0.6:
        bare = bare.lower()
    if language == "es" and rng.random() < 0.6:
        bare = _strip_accents(bare)
    return bare


def _typo(word: str, rng: random.Random) -> str:
    position = rng.randrange(len(word))
    letter = word[position]
    kind = rng.choice(("neighbour", "swap", "drop", "double"))
    if kind == "neighbour" and letter.lower() in _NEIGHBOURS:
        replacement = rng.choice(_NEIGHBOURS[letter.lower()])
        if letter.isupper():
            replacement = replacement.upper()
        return word[:position] + replacement + word[position + 1 :]
    if kind == "swap" and position < len(word) - 1:
        return word[:position] + word[position + 1] + letter + word[position + 2 :]
    if kind == "drop":
        return word[:position] + word[position + 1 :]
    return word[:position] + letter + word[position:]


def _typos(text: str, rng: random.Random) -> str:
    words = list(_WORD.finditer(text))
    if not words:
        return text
    count = 1 if len(words) < 6 or rng.random() < 0.6 else 2
    chosen = sorted(rng.sample(words, min(count, len(words))), key=lambda m: m.start())
    pieces: list[str] = []
    cursor = 0
    for match in chosen:
        pieces.append(text[cursor : match.start()])
        pieces.append(_typo(match.group(), rng))
        cursor = match.end()
    pieces.append(text[cursor:])
    return "".join(pieces)


def _slang(text: str, rng: random.Random, phrases: AugmentationPhrases) -> str:
    result = text
    keys = list(phrases.slang)
    rng.shuffle(keys)
    replaced = 0
    for key in keys:
        if replaced >= 3:
            break
        pattern = re.compile(rf"(?<![\w']){re.escape(key)}(?![\w'])", re.IGNORECASE)
        if pattern.search(result) and rng.random() < 0.7:
            substitute = rng.choice(phrases.slang[key])
            result = pattern.sub(substitute.replace("\\", r"\\"), result)
            replaced += 1
    if replaced == 0 or rng.random() < 0.35:
        result = f"{result.rstrip()} {rng.choice(phrases.slang_suffixes)}"
    if rng.random() < 0.5:
        result = result.lower()
    return result


def _sentence(text: str) -> str:
    stripped = text.strip()
    return stripped if _SENTENCE_END.search(stripped) else f"{stripped}."


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _polite(text: str, rng: random.Random, phrases: AugmentationPhrases) -> str:
    choice = rng.random()
    if choice < 0.4:
        return f"{rng.choice(phrases.polite_prefixes)} {_lower_first(text)}"
    if choice < 0.75:
        return f"{_sentence(text)} {rng.choice(phrases.polite_suffixes)}"
    prefix = rng.choice(phrases.polite_prefixes)
    return f"{prefix} {_sentence(_lower_first(text))} {rng.choice(phrases.polite_suffixes)}"


def _angry(text: str, rng: random.Random, phrases: AugmentationPhrases) -> str:
    choice = rng.random()
    if choice < 0.4:
        result = f"{rng.choice(phrases.angry_prefixes)} {text}"
    elif choice < 0.8:
        result = f"{_sentence(text)} {rng.choice(phrases.angry_suffixes)}"
    else:
        prefix = rng.choice(phrases.angry_prefixes)
        result = f"{prefix} {_sentence(text)} {rng.choice(phrases.angry_suffixes)}"
    if rng.random() < 0.15:
        result = result.upper()
    return result


def _email(
    text: str,
    rng: random.Random,
    *,
    phrases: AugmentationPhrases,
    slots: SlotValues,
    order_related: bool,
) -> str:
    body = [_sentence(text)]
    if rng.random() < 0.6:
        body.insert(0, rng.choice(phrases.email_contexts))
    if order_related and "order_id" in slots and rng.random() < 0.7:
        line = expand_template(rng.choice(phrases.email_order_lines), slots, rng)
        body.insert(rng.choice((0, len(body))), line)
    closing = rng.choice(phrases.email_closings)
    signature = rng.choice(slots["name"]) if "name" in slots and rng.random() < 0.8 else ""
    sign_off = f"{closing}\n{signature}".rstrip()
    opening = rng.choice(phrases.email_openings)
    if rng.random() < 0.25:  # pasted into a chat box: the line breaks are gone
        return " ".join([opening, *body, closing, signature]).strip()
    return f"{opening}\n\n{' '.join(body)}\n\n{sign_off}"


def _two_requests(
    text: str, rng: random.Random, *, phrases: AugmentationPhrases, intent: str
) -> str:
    others = [name for name in sorted(phrases.secondary_requests) if name != intent]
    if not others:
        return text
    secondary = rng.choice(phrases.secondary_requests[rng.choice(others)])
    connector = rng.choice(phrases.connectors)
    return f"{_sentence(text)} {connector} {secondary}"


def _voice(text: str, rng: random.Random, phrases: AugmentationPhrases) -> str:
    words = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.replace("\n", " "))).lower().split()
    if len(words) > 3 and rng.random() < 0.3:  # a false start: "i i want to"
        position = rng.randrange(min(3, len(words)))
        words.insert(position, words[position])
    filler = rng.choice(phrases.voice_fillers).lower()
    return f"{filler} {' '.join(words)}"


def _caps(text: str) -> str:
    return text.upper()


# (name, weight); the weights follow a rough guess of how often each form shows up in chat
# and email traffic, and keep the clean originals as the largest single share of the corpus.
_VARIANTS: Final[tuple[tuple[str, int], ...]] = (
    ("lowercase", 8),
    ("no_punctuation", 16),
    ("typos", 18),
    ("slang", 12),
    ("polite", 11),
    ("angry", 7),
    ("email", 9),
    ("two_requests", 6),
    ("voice", 6),
    ("caps", 3),
)
_SURFACE_VARIANTS: Final = frozenset({"lowercase", "no_punctuation", "typos", "slang", "caps"})
_WRAPPING_VARIANTS: Final = frozenset({"email", "two_requests"})


def _variants_for(intent: str) -> tuple[list[str], list[int]]:
    names: list[str] = []
    weights: list[int] = []
    for name, weight in _VARIANTS:
        if intent in _SURFACE_ONLY_INTENTS and name not in _SURFACE_VARIANTS | {"voice"}:
            continue
        if intent in _NO_WRAPPING_INTENTS and name in _WRAPPING_VARIANTS:
            continue
        if intent in _NO_ANGRY_INTENTS and name == "angry":
            continue
        names.append(name)
        weights.append(weight)
    return names, weights


@dataclass(frozen=True, slots=True)
class _Augmenter:
    intent: str
    language: str
    phrases: AugmentationPhrases
    slots: SlotValues

    def apply(self, variant: str, text: str, rng: random.Random) -> str:
        transforms: dict[str, Callable[[], str]] = {
            "lowercase": lambda: _lowercase(text),
            "no_punctuation": lambda: _no_punctuation(text, rng, self.language),
            "typos": lambda: _typos(text, rng),
            "slang": lambda: _slang(text, rng, self.phrases),
            "polite": lambda: _polite(text, rng, self.phrases),
            "angry": lambda: _angry(text, rng, self.phrases),
            "email": lambda: _email(
                text,
                rng,
                phrases=self.phrases,
                slots=self.slots,
                order_related=self.intent in ORDER_INTENTS,
            ),
            "two_requests": lambda: _two_requests(
                text, rng, phrases=self.phrases, intent=self.intent
            ),
            "voice": lambda: _voice(text, rng, self.phrases),
            "caps": lambda: _caps(text),
        }
        result = transforms[variant]()
        # Real messages stack several habits: a polite email typed in lowercase with a typo.
        if variant not in {"typos", "caps"} and rng.random() < 0.15:
            result = _typos(result, rng)
        if variant in {"polite", "angry", "two_requests"} and rng.random() < 0.2:
            result = result.lower()
        return result


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------


def _templated(
    entry: IntentExamples, *, slots: SlotValues, count: int, rng: random.Random
) -> list[str]:
    """Expand templates round-robin into `count` distinct texts (fewer if they run out)."""
    produced: dict[str, None] = {}
    attempts = 0
    while len(produced) < count and attempts < count * 20:
        template = entry.templates[attempts % len(entry.templates)]
        produced.setdefault(expand_template(template, slots, rng), None)
        attempts += 1
    return list(produced)


def build_corpus(
    *,
    seed: int = 13,
    templated_per_intent: int = 60,
    texts_per_intent: int = 560,
    languages: Sequence[str] = SUPPORTED_LANGUAGES,
    root: Traversable | None = None,
) -> list[LabelledText]:
    """Build the labelled training corpus: originals, template expansions and augmented forms.

    Every hand-written example appears once as written. Templates add at most
    `templated_per_intent` texts, and never more than the intent has hand-written examples, so
    repetitive templates cannot outweigh real phrasing. Augmented variants then fill each intent
    up to `texts_per_intent`, capped at a multiple of its originals, which is why Spanish (with
    fewer hand-written examples) stays smaller than English. A text never carries two labels:
    an augmented form that collides with another intent's text is dropped.
    """
    base = root if root is not None else default_data_root()
    entries = load_examples(base, languages=languages)
    slots = load_slots(base)
    phrases = load_augmentation(base)

    labels: dict[str, str] = {}  # normalised text -> intent, across languages
    for entry in entries:
        for text in entry.examples:
            owner = labels.setdefault(_normalise(text), entry.intent)
            if owner != entry.intent:
                raise CorpusDataError(
                    file=_describe(base, f"{entry.language}/{entry.intent}.yaml"),
                    field="examples",
                    reason=f"{text!r} is also an example of {owner}",
                )

    corpus: list[LabelledText] = []
    for entry in entries:
        rng = random.Random(f"{seed}:{entry.language}:{entry.intent}")
        language_slots = slots.get(entry.language, {})
        texts = list(entry.examples)
        folded = {_normalise(text) for text in texts}
        budget = min(templated_per_intent, len(entry.examples))
        for text in _templated(entry, slots=language_slots, count=budget, rng=rng):
            normalised = _normalise(text)
            if (
                normalised not in folded
                and labels.setdefault(normalised, entry.intent) == entry.intent
            ):
                folded.add(normalised)
                texts.append(text)
        pool = tuple(texts)

        target = min(texts_per_intent, round(len(pool) * _AUGMENTATION_RATIO))
        language_phrases = phrases.get(entry.language)
        if language_phrases is not None and target > len(texts):
            augmenter = _Augmenter(entry.intent, entry.language, language_phrases, language_slots)
            names, weights = _variants_for(entry.intent)
            # Case matters here: "WHERE IS MY ORDER" is a different input from "where is my order"
            # to any case-sensitive feature, so only exact repeats are skipped.
            exact = {" ".join(text.split()) for text in texts}
            attempts = 0
            while len(texts) < target and attempts < target * 10:
                attempts += 1
                variant = rng.choices(names, weights)[0]
                candidate = augmenter.apply(variant, rng.choice(pool), rng).strip()
                key = " ".join(candidate.split())
                if not key or key in exact:
                    continue
                if labels.setdefault(_normalise(candidate), entry.intent) != entry.intent:
                    continue
                exact.add(key)
                texts.append(candidate)

        corpus.extend(LabelledText(text, entry.intent, entry.language) for text in texts)
    return corpus

import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from cxops.learning.corpus import (
    CorpusDataError,
    LabelledText,
    build_corpus,
    default_data_root,
    expand_template,
    load_examples,
    load_slots,
    load_taxonomy,
    template_slots,
)

REQUIRED_INTENTS = {
    "order_status",
    "cancel_order",
    "change_order",
    "change_shipping_address",
    "delivery_options",
    "missing_delivery",
    "return_item",
    "refund_status",
    "exchange_item",
    "damaged_item",
    "wrong_item",
    "warranty_claim",
    "payment_issue",
    "payment_methods",
    "invoice",
    "promotion_inquiry",
    "product_question",
    "store_info",
    "place_order",
    "account_access",
    "account_update",
    "account_closure",
    "loyalty_program",
    "complaint",
    "feedback",
    "human_agent",
    "greeting",
    "out_of_scope",
}
COMMON_SPANISH_INTENTS = {
    "order_status",
    "cancel_order",
    "return_item",
    "refund_status",
    "missing_delivery",
    "damaged_item",
    "wrong_item",
    "change_shipping_address",
    "payment_issue",
    "human_agent",
    "greeting",
    "account_access",
}
DEV_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "retail_intents_dev.jsonl"


@pytest.fixture(scope="module")
def corpus() -> list[LabelledText]:
    return build_corpus()


@pytest.fixture(scope="module")
def originals() -> set[str]:
    return {text.casefold() for entry in load_examples() for text in entry.examples}


def copy_packaged_data(target: Path) -> Path:
    """Copy the shared files and one valid intent file, so a test can break exactly one thing."""
    source = default_data_root()
    for name in ("taxonomy.yaml", "slots.yaml", "augment.yaml"):
        (target / name).write_text(source.joinpath(name).read_text(encoding="utf-8"))
    (target / "en").mkdir()
    valid = source.joinpath("en").joinpath("order_status.yaml").read_text(encoding="utf-8")
    (target / "en" / "order_status.yaml").write_text(valid)
    return target


def write_intent_file(root: Path, relative: str, content: dict[str, object]) -> Path:
    path = root / relative
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(content, allow_unicode=True))
    return path


def test_that_the_taxonomy_has_exactly_the_required_intents() -> None:
    names = [definition.name for definition in load_taxonomy()]
    assert len(names) == len(set(names))
    assert set(names) == REQUIRED_INTENTS


def test_that_every_intent_has_a_description() -> None:
    assert all(definition.description.strip() for definition in load_taxonomy())


def test_that_every_intent_has_english_examples_and_templates() -> None:
    english = {entry.intent: entry for entry in load_examples(languages=("en",))}
    assert set(english) == REQUIRED_INTENTS
    for entry in english.values():
        assert len(entry.examples) >= 50, entry.intent
        assert entry.templates, entry.intent


def test_that_out_of_scope_has_at_least_two_hundred_english_examples() -> None:
    english = {entry.intent: entry for entry in load_examples(languages=("en",))}
    assert len(english["out_of_scope"].examples) >= 200


def test_that_the_twelve_common_intents_have_spanish_examples() -> None:
    spanish = {entry.intent: entry for entry in load_examples(languages=("es",))}
    assert set(spanish) >= COMMON_SPANISH_INTENTS
    for intent in COMMON_SPANISH_INTENTS:
        assert len(spanish[intent].examples) >= 30, intent


def test_that_no_hand_written_example_is_labelled_with_two_intents() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in load_examples():
        for text in entry.examples:
            owners[" ".join(text.casefold().split())].add(entry.intent)
    assert {text: labels for text, labels in owners.items() if len(labels) > 1} == {}


def test_that_every_template_slot_resolves() -> None:
    slots = load_slots()
    rng = random.Random(0)
    for entry in load_examples():
        for template in entry.templates:
            assert set(template_slots(template)) <= set(slots[entry.language]), template
            expanded = expand_template(template, slots[entry.language], rng)
            assert "{" not in expanded, expanded
            assert "}" not in expanded, expanded


def test_that_a_repeated_slot_gets_two_different_values() -> None:
    slots = {"colour": ("red", "blue")}
    assert expand_template("{colour} or {colour}", slots, random.Random(3)) in {
        "red or blue",
        "blue or red",
    }


def test_that_the_corpus_is_the_same_for_the_same_seed(corpus: list[LabelledText]) -> None:
    assert build_corpus(seed=13) == corpus


def test_that_another_seed_gives_another_corpus(corpus: list[LabelledText]) -> None:
    assert build_corpus(seed=14) != corpus


def test_that_every_label_is_in_the_taxonomy(corpus: list[LabelledText]) -> None:
    assert {item.label for item in corpus} == REQUIRED_INTENTS


def test_that_no_text_in_the_corpus_carries_two_labels(corpus: list[LabelledText]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for item in corpus:
        owners[" ".join(item.text.casefold().split())].add(item.label)
    assert [text for text, labels in owners.items() if len(labels) > 1] == []


def test_that_the_corpus_keeps_every_hand_written_example(corpus: list[LabelledText]) -> None:
    texts = {(item.text, item.label, item.language) for item in corpus}
    for entry in load_examples():
        for text in entry.examples:
            assert (text, entry.intent, entry.language) in texts


def test_that_the_corpus_size_stays_trainable_in_seconds(corpus: list[LabelledText]) -> None:
    per_intent = Counter((item.language, item.label) for item in corpus)
    assert all(count <= 800 for count in per_intent.values())
    assert all(per_intent[("en", intent)] >= 350 for intent in REQUIRED_INTENTS)
    for intent in COMMON_SPANISH_INTENTS:
        assert per_intent[("es", intent)] < per_intent[("en", intent)]


def test_that_the_corpus_can_be_built_for_one_language() -> None:
    assert {item.language for item in build_corpus(languages=("es",))} == {"es"}


def test_that_the_corpus_contains_lowercase_only_variants(
    corpus: list[LabelledText], originals: set[str]
) -> None:
    written = {text for entry in load_examples() for text in entry.examples}
    lowered = [
        item
        for item in corpus
        if item.text not in written
        and item.text == item.text.lower()
        and item.text.casefold() in originals
    ]
    assert len(lowered) >= 100


def test_that_the_corpus_contains_multi_sentence_emails(corpus: list[LabelledText]) -> None:
    emails = [
        item
        for item in corpus
        if "\n\n" in item.text and len(re.findall(r"[.!?](\s|$)", item.text)) >= 2
    ]
    assert len(emails) >= 200
    assert {item.label for item in emails} >= {"order_status", "refund_status", "complaint"}
    assert not [item for item in emails if item.label == "greeting"]


def test_that_the_corpus_contains_typos(corpus: list[LabelledText]) -> None:
    vocabulary: set[str] = set()
    root = default_data_root()
    for name in ("slots.yaml", "augment.yaml"):
        vocabulary |= set(re.findall(r"[^\W\d_]+", root.joinpath(name).read_text().lower()))
    for entry in load_examples():
        for text in [*entry.examples, *entry.templates]:
            vocabulary |= set(re.findall(r"[^\W\d_]+", text.lower()))
    misspelt = [
        item
        for item in corpus
        if any(word not in vocabulary for word in re.findall(r"[^\W\d_]+", item.text.lower()))
    ]
    assert len(misspelt) >= 0.05 * len(corpus)
    assert len(misspelt) <= 0.40 * len(corpus)


def test_that_the_corpus_contains_slang(corpus: list[LabelledText]) -> None:
    slang = [item for item in corpus if re.search(r"\b(pls|plz|thx|u|ur|asap)\b", item.text)]
    assert len(slang) >= 200


def test_that_the_dev_set_covers_every_intent() -> None:
    labels = Counter(json.loads(line)["label"] for line in DEV_SET.read_text().splitlines())
    assert set(labels) == REQUIRED_INTENTS
    assert min(labels.values()) >= 15


def test_that_no_dev_set_text_leaks_into_the_corpus(corpus: list[LabelledText]) -> None:
    dev = {json.loads(line)["text"].casefold() for line in DEV_SET.read_text().splitlines()}
    leaked = sorted(dev & {item.text.casefold() for item in corpus})
    assert leaked == []


def test_that_a_custom_root_with_one_valid_file_loads(tmp_path: Path) -> None:
    root = copy_packaged_data(tmp_path)
    entries = load_examples(root)
    assert [(entry.language, entry.intent) for entry in entries] == [("en", "order_status")]
    assert {item.label for item in build_corpus(root=root)} == {"order_status"}


VALID = {
    "intent": "cancel_order",
    "language": "en",
    "examples": ["cancel it please"],
    "templates": ["cancel order {order_id}"],
}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"intent": "teleport_order"}, "intent", "unknown intent 'teleport_order'"),
        ({"language": "fr"}, "language", "'en' or 'es'"),
        ({"examples": []}, "examples", "at least 1 item"),
        ({"templates": []}, "templates", "at least 1 item"),
        ({"examples": ["fine", "  "]}, "examples[1]", "must not be blank"),
        ({"templates": ["ok {order_id}", "my {colr} one"]}, "templates[1]", "unknown slot {colr}"),
        ({"templates": ["bad {0}"]}, "templates[0]", "placeholders must look like"),
        ({"examples": ["again", "Again"]}, "examples", "repeats item 0"),
        ({"examples": [1004217]}, "examples[0]", "valid string"),
        ({"extra": "field"}, "extra", "Extra inputs are not permitted"),
    ],
)
def test_that_invalid_intent_data_names_the_file_and_the_field(
    tmp_path: Path, change: dict[str, object], field: str, reason: str
) -> None:
    root = copy_packaged_data(tmp_path)
    bad = write_intent_file(root, "en/cancel_order.yaml", {**VALID, **change})

    with pytest.raises(CorpusDataError) as caught:
        load_examples(root)

    assert caught.value.file == str(bad)
    assert caught.value.field == field
    assert reason in str(caught.value)
    assert str(bad) in str(caught.value)


def test_that_an_intent_file_must_match_its_file_name(tmp_path: Path) -> None:
    root = copy_packaged_data(tmp_path)
    bad = write_intent_file(root, "en/cancel_order.yaml", {**VALID, "intent": "order_status"})

    with pytest.raises(CorpusDataError, match="does not match the file name") as caught:
        load_examples(root)

    assert (caught.value.file, caught.value.field) == (str(bad), "intent")


def test_that_broken_yaml_names_the_file(tmp_path: Path) -> None:
    root = copy_packaged_data(tmp_path)
    bad = root / "en" / "cancel_order.yaml"
    bad.write_text("intent: cancel_order\nexamples: [unclosed\n")

    with pytest.raises(CorpusDataError) as caught:
        load_examples(root)

    assert (caught.value.file, caught.value.field) == (str(bad), "(syntax)")


def test_that_an_unknown_slot_in_the_augmentation_phrases_names_the_field(
    tmp_path: Path,
) -> None:
    root = copy_packaged_data(tmp_path)
    phrases = yaml.safe_load((root / "augment.yaml").read_text())
    phrases["en"]["email_order_lines"] = ["Order: {order_number}"]
    (root / "augment.yaml").write_text(yaml.safe_dump(phrases, allow_unicode=True))

    with pytest.raises(CorpusDataError, match="unknown slot") as caught:
        build_corpus(root=root)

    assert caught.value.file == str(root / "augment.yaml")
    assert caught.value.field == "en.email_order_lines[0]"


def test_that_a_slot_without_values_names_the_field(tmp_path: Path) -> None:
    root = copy_packaged_data(tmp_path)
    slots = yaml.safe_load((root / "slots.yaml").read_text())
    slots["en"]["colour"] = []
    (root / "slots.yaml").write_text(yaml.safe_dump(slots, allow_unicode=True))

    with pytest.raises(CorpusDataError, match="at least 1 item") as caught:
        load_slots(root)

    assert caught.value.field == "en.colour"


def test_that_a_taxonomy_listing_an_intent_twice_is_rejected(tmp_path: Path) -> None:
    root = copy_packaged_data(tmp_path)
    taxonomy = yaml.safe_load((root / "taxonomy.yaml").read_text())
    taxonomy["intents"].append(taxonomy["intents"][0])
    (root / "taxonomy.yaml").write_text(yaml.safe_dump(taxonomy))

    with pytest.raises(CorpusDataError, match="listed twice") as caught:
        load_taxonomy(root)

    assert caught.value.field == "intents"

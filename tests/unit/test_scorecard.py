"""Scorecard validation: what loads can be scored; what does not says which line and field."""

from importlib.resources import files
from pathlib import Path

import pytest

from cxops.configfile import ConfigError
from cxops.qa.scorecard import (
    EmpathyWhenUpset,
    Prohibited,
    RequiredOrder,
    RequiredPhrases,
    ResolutionConfirmed,
    ResponseTime,
    SentimentRecovery,
    TransfersAndHolds,
    default_scorecard,
    parse_scorecard,
    read_scorecard,
)

SHIPPED = files("cxops.data").joinpath("qa/scorecard.yaml").read_text(encoding="utf-8")

HEADER = "name: test-card\nversion: '1'\ncriteria:\n"
GREETING = """\
  - id: greeting
    name: Greets
    kind: required_phrases
    weight: 1
    phrases: {en: [hello]}
"""


def problems(text: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_scorecard(text, source="card.yaml")
    return caught.value.problems


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_that_the_shipped_scorecard_is_valid_and_labelled_by_version_and_hash() -> None:
    loaded = default_scorecard()
    assert loaded.version_label.startswith("retail-qa@2026.11.1+")
    assert len(loaded.version_label.rsplit("+", 1)[1]) == 8


def test_that_the_shipped_scorecard_uses_every_kind_of_criterion() -> None:
    kinds = {type(criterion) for criterion in default_scorecard().scorecard.criteria}
    assert kinds == {
        RequiredPhrases,
        RequiredOrder,
        Prohibited,
        EmpathyWhenUpset,
        SentimentRecovery,
        ResolutionConfirmed,
        ResponseTime,
        TransfersAndHolds,
    }


def test_that_identity_and_prohibited_content_are_auto_fail_in_the_shipped_scorecard() -> None:
    auto_fail = {c.id for c in default_scorecard().scorecard.criteria if c.auto_fail}
    assert auto_fail == {"identity_before_action", "no_prohibited_content"}


def test_that_editing_the_text_changes_the_version_label() -> None:
    edited = parse_scorecard(SHIPPED.replace("share: 0.9", "share: 0.8"), source="x")
    assert edited.version_label != default_scorecard().version_label


def test_that_a_scorecard_is_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    path.write_text(HEADER + GREETING, encoding="utf-8")
    assert read_scorecard(path).version_label.startswith("test-card@1+")


def test_that_a_non_positive_weight_is_reported_at_its_own_line_and_field() -> None:
    text = HEADER + GREETING.replace("weight: 1", "weight: 0")
    line = line_of(text, "weight: 0")
    assert problems(text) == (
        f"card.yaml:{line}: criteria.0.weight: Input should be greater than 0",
    )


def test_that_a_misspelt_field_is_an_error_not_ignored() -> None:
    text = HEADER + GREETING.replace("phrases:", "phrase:")
    assert problems(text) == (
        f"card.yaml:{line_of(text, 'phrase:')}: criteria.0.phrase: Extra inputs are not permitted",
    )


def test_that_required_phrases_needs_phrases_or_semantic_examples() -> None:
    text = HEADER + GREETING.replace("    phrases: {en: [hello]}\n", "")
    assert problems(text) == (
        "card.yaml:4: criteria.0: Value error, give phrases, semantic examples, or both",
    )


def test_that_an_unknown_kind_is_reported_at_the_kind() -> None:
    text = HEADER + GREETING.replace("kind: required_phrases", "kind: required_phrase")
    (problem,) = problems(text)
    assert problem.startswith(f"card.yaml:{line_of(text, 'kind:')}: criteria.0.kind: Input tag")
    assert "required_phrases" in problem


def test_that_criterion_ids_must_be_unique() -> None:
    (problem,) = problems(HEADER + GREETING + GREETING)
    assert problem == "card.yaml:4: criteria: Value error, ids must be unique, repeated: greeting"


def test_that_a_scorecard_needs_at_least_one_criterion() -> None:
    (problem,) = problems(HEADER.replace("criteria:\n", "criteria: []\n"))
    assert problem == "card.yaml:3: criteria: Value error, give at least one"


def test_that_an_empty_phrase_list_is_refused_for_its_language() -> None:
    text = HEADER + GREETING.replace("{en: [hello]}", "{en: [hello], es: []}")
    (problem,) = problems(text)
    assert problem.endswith(": criteria.0.phrases.es: Value error, give at least one")


def test_that_a_language_is_a_two_letter_code() -> None:
    text = HEADER + GREETING.replace("{en: [hello]}", "{english: [hello]}")
    (problem,) = problems(text)
    assert "criteria.0.phrases.english.[key]: String should match pattern" in problem


def test_that_a_window_is_the_first_or_the_last_turns_not_both() -> None:
    text = HEADER + GREETING + "    in_first: 2\n    in_last: 2\n"
    assert any("give in_first or in_last, not both" in p for p in problems(text))


def test_that_a_response_time_target_names_a_known_channel() -> None:
    text = (
        HEADER
        + "  - {id: speed, name: Speed, kind: response_time, weight: 1,\n"
        + "     target_seconds: {chat: 60, fax: 600}}\n"
    )
    (problem,) = problems(text)
    assert "criteria.0.target_seconds.fax.[key]: Input should be 'chat'" in problem


def test_that_a_prohibited_criterion_must_prohibit_something() -> None:
    text = HEADER + "  - {id: clean, name: Clean, kind: prohibited, weight: 1}\n"
    assert any("give phrases, profanity, or card_number: true" in p for p in problems(text))


def test_that_transfers_and_holds_needs_a_limit() -> None:
    text = HEADER + "  - {id: th, name: TH, kind: transfers_and_holds, weight: 1}\n"
    assert any("give max_transfers, max_holds or max_hold_seconds" in p for p in problems(text))


def test_that_all_errors_are_reported_at_once() -> None:
    text = SHIPPED.replace("min_gain: 0.3", "min_gain: 0").replace("share: 0.9", "share: 1.5")
    found = problems(text)
    assert len(found) == 2
    assert any(".min_gain: Input should be greater than 0" in p for p in found)
    assert any(".share: Input should be less than or equal to 1" in p for p in found)

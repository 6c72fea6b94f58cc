"""Policy validation: what loads is runnable; what does not says where to look."""

from importlib.resources import files

import pytest

from cxops.configfile import ConfigError
from cxops.routing.policy import default_policy, parse_policy

SHIPPED = files("cxops.data").joinpath("policy/default.yaml").read_text(encoding="utf-8")


def problems(text: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, source="policy.yaml")
    return caught.value.problems


def test_that_the_shipped_policy_is_valid_and_labelled_by_version_and_hash() -> None:
    loaded = default_policy()
    assert loaded.version_label.startswith("retail-default@2026.11.1+")
    assert len(loaded.version_label.rsplit("+", 1)[1]) == 8


def test_that_editing_the_text_changes_the_version_label() -> None:
    edited = parse_policy(SHIPPED.replace("max_bot_turns: 4", "max_bot_turns: 5"), source="x")
    assert edited.version_label != default_policy().version_label


def test_that_an_out_of_range_threshold_is_reported_with_its_line_and_field() -> None:
    text = SHIPPED.replace("default_min_confidence: 0.70", "default_min_confidence: 1.7")
    line = text.splitlines().index("  default_min_confidence: 1.7") + 1
    assert problems(text) == (
        f"policy.yaml:{line}: automation.default_min_confidence: "
        "Input should be less than or equal to 1",
    )


def test_that_a_misspelt_field_is_an_error_not_ignored() -> None:
    text = SHIPPED.replace("max_bot_turns: 4", "max_bot_turnz: 4")
    found = problems(text)
    assert any("escalation.max_bot_turnz: Extra inputs are not permitted" in p for p in found)
    assert any("escalation.max_bot_turns: Field required" in p for p in found)


def test_that_routing_to_an_undefined_queue_is_refused() -> None:
    text = SHIPPED.replace("queue: q_product_advice", "queue: q_nowhere")
    assert any("q_nowhere" in p and "not defined" in p for p in problems(text))


def test_that_every_urgency_level_needs_a_priority() -> None:
    text = SHIPPED.replace("critical: 60}", "}").replace("high: 30, }", "high: 30}")
    assert any("missing: critical" in p for p in problems(text))


def test_that_broken_yaml_names_its_line() -> None:
    assert problems("name: x\nversion: [1\n")[0].startswith("policy.yaml:3: not valid YAML")


def test_that_all_errors_are_reported_at_once() -> None:
    text = SHIPPED.replace("human_contact: 4.0", "human_contact: -1").replace(
        "sentiment_floor: -0.60", "sentiment_floor: -3"
    )
    assert len(problems(text)) == 2

import re
from importlib.resources import files
from pathlib import Path

import pytest

from cxops.analytics.costs import (
    CostModel,
    cost_per_interaction,
    default_cost_model,
    parse_cost_model,
    read_cost_model,
)
from cxops.analytics.kpis import FactSums
from cxops.configfile import ConfigError

SHIPPED = files("cxops.data").joinpath("analytics/costs.yaml").read_text(encoding="utf-8")
MODEL = CostModel(
    name="test",
    version="1",
    currency="EUR",
    agent_cost_per_handled_hour=36.0,
    cost_per_bot_turn=0.002,
    cost_per_triage_call=0.0005,
    cost_per_generative_draft=0.01,
    platform_cost_per_contact=0.05,
)


def test_that_the_shipped_cost_model_loads_with_a_version_label() -> None:
    loaded = default_cost_model()
    assert loaded.model.currency == "EUR"
    assert loaded.model.agent_cost_per_handled_hour > 0
    assert re.fullmatch(r"cost-default@[\w.-]+\+[0-9a-f]{8}", loaded.version_label)
    assert default_cost_model() is loaded


def test_that_the_version_label_changes_with_the_text(tmp_path: Path) -> None:
    changed = SHIPPED.replace("platform_cost_per_contact: 0.05", "platform_cost_per_contact: 0.07")
    assert changed != SHIPPED
    path = tmp_path / "costs.yaml"
    path.write_text(changed, encoding="utf-8")
    loaded = read_cost_model(path)
    assert loaded.model.platform_cost_per_contact == 0.07
    assert loaded.version_label != default_cost_model().version_label


def test_that_cost_per_interaction_adds_agent_ai_and_platform_costs() -> None:
    sums = FactSums(
        contacts=200,
        agent_handled=120,
        handle_seconds=36_000,
        bot_turns=500,
        customer_turns=1200,
        generative_drafts=100,
    )
    # agent 36/h x 10 h = 360; bot 500 x 0.002 = 1; triage 1200 x 0.0005 = 0.6;
    # drafts 100 x 0.01 = 1; platform 200 x 0.05 = 10; 372.6 over 200 contacts
    assert cost_per_interaction(sums, MODEL) == pytest.approx(1.863)


def test_that_cost_per_interaction_is_none_without_contacts() -> None:
    assert cost_per_interaction(FactSums(), MODEL) is None
    assert cost_per_interaction(FactSums(bot_turns=3), MODEL) is None


def test_that_the_cost_of_merged_sums_is_the_contact_weighted_mean() -> None:
    a = FactSums(contacts=10, agent_handled=10, handle_seconds=3600, customer_turns=40)
    b = FactSums(contacts=30, bot_turns=90, customer_turns=60, generative_drafts=5)
    cost_a, cost_b = cost_per_interaction(a, MODEL), cost_per_interaction(b, MODEL)
    assert cost_a is not None
    assert cost_b is not None
    assert cost_per_interaction(a + b, MODEL) == pytest.approx((10 * cost_a + 30 * cost_b) / 40)


def test_that_a_negative_figure_is_refused_naming_the_line_and_field() -> None:
    bad = SHIPPED.replace("cost_per_bot_turn: 0.002", "cost_per_bot_turn: -0.002")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "cost_per_bot_turn:" in text)
    with pytest.raises(ConfigError) as caught:
        parse_cost_model(bad, source="costs.yaml")
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"costs.yaml:{line}: cost_per_bot_turn: ")


def test_that_a_missing_figure_is_refused_rather_than_read_as_free() -> None:
    bad = "\n".join(
        line for line in SHIPPED.splitlines() if not line.startswith("cost_per_triage_call")
    )
    with pytest.raises(ConfigError, match=r"cost_per_triage_call: Field required"):
        parse_cost_model(bad, source="costs.yaml")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("currency: EUR", "currency: euro", "currency"),
        ("cost_per_generative_draft: 0.01", "cost_per_generative_draft: .inf", "cost_per_gen"),
        ("cost_per_bot_turn: 0.002", "cost_per_bot_trun: 0.002", "cost_per_bot_trun"),
    ],
)
def test_that_invalid_figures_are_refused_naming_the_field(old: str, new: str, field: str) -> None:
    bad = SHIPPED.replace(old, new)
    assert bad != SHIPPED
    with pytest.raises(ConfigError, match=field):
        parse_cost_model(bad, source="costs.yaml")

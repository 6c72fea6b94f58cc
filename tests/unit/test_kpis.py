import json
import math
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pytest

from cxops.analytics.costs import CostModel, LoadedCostModel
from cxops.analytics.kpis import (
    BUCKETS_MS,
    KPI_DEFINITIONS,
    Dimension,
    FactSums,
    Granularity,
    KpiReport,
    Kpis,
    LatencyHistogram,
    collapse_keys,
    kpi_report,
    kpis,
    to_json,
)

COSTS = LoadedCostModel(
    CostModel(
        name="test",
        version="1",
        currency="EUR",
        agent_cost_per_handled_hour=36.0,
        cost_per_bot_turn=0.002,
        cost_per_triage_call=0.0005,
        cost_per_generative_draft=0.01,
        platform_cost_per_contact=0.05,
    ),
    "test@1+00000000",
)
SUMS = FactSums(
    contacts=200,
    resolved=150,
    first_contact_resolved=120,
    repeated=30,
    transferred=20,
    contained=80,
    bot_started=160,
    escalated=40,
    escalation_reasked=10,
    agent_handled=120,
    handle_seconds=36_000,
    csat_sum=210,
    csat_count=50,
    suggestions_shown=300,
    suggestions_with_feedback=200,
    suggestions_used=150,
    bot_turns=500,
    agent_turns=900,
    customer_turns=1200,
    generative_drafts=100,
)
SINCE = datetime(2026, 11, 2, tzinfo=UTC)
UNTIL = datetime(2026, 11, 30, tzinfo=UTC)
WEEKS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def weekly_report(contacts_by_key: dict[str, int]) -> KpiReport:
    sums = {
        (week, key): FactSums(contacts=contacts, contained=contacts // 2, bot_started=contacts)
        for key, contacts in contacts_by_key.items()
        for week in WEEKS
    }
    latency = {(WEEKS[0], key): LatencyHistogram.from_values([30.0]) for key in contacts_by_key}
    return kpi_report(
        since=SINCE,
        until=UNTIL,
        granularity=Granularity.WEEK,
        dimension=Dimension.INTENT,
        sums=sums,
        latency=latency,
        cost_model=COSTS,
    )


# KPIs from sums


def test_that_kpis_match_hand_computed_values() -> None:
    values = kpis(SUMS, latency=LatencyHistogram.from_values(range(1, 101)), cost_model=COSTS.model)
    assert values.aht_seconds == 300
    assert values.fcr == pytest.approx(0.6)
    assert values.repeat_contact_rate == pytest.approx(0.15)
    assert values.transfer_rate == pytest.approx(0.1)
    assert values.containment == pytest.approx(0.4)
    assert values.escalation_rate == pytest.approx(0.25)
    assert values.escalation_success == pytest.approx(0.75)
    assert values.csat == pytest.approx(4.2)
    assert values.suggestion_acceptance == pytest.approx(0.75)
    assert values.ai_latency_p50_ms == pytest.approx(50)
    assert values.ai_latency_p95_ms == pytest.approx(95)
    assert values.cost_per_interaction == pytest.approx(1.863)
    assert (values.contacts, values.csat_count, values.ai_calls) == (200, 50, 100)


def test_that_a_ratio_without_a_denominator_is_none_not_zero() -> None:
    values = kpis(FactSums(), latency=LatencyHistogram.empty(), cost_model=COSTS.model)
    ratios = [d.name for d in KPI_DEFINITIONS]
    assert all(getattr(values, name) is None for name in ratios)
    counts = [f.name for f in fields(Kpis) if f.name not in ratios]
    assert all(getattr(values, name) == 0 for name in counts)


def test_that_each_kpi_is_none_only_when_its_own_basis_is_zero() -> None:
    values = kpis(
        FactSums(contacts=10, contained=4, csat_sum=0, csat_count=0, bot_started=0),
        latency=LatencyHistogram.empty(),
        cost_model=COSTS.model,
    )
    assert values.containment == pytest.approx(0.4)
    assert values.csat is None
    assert values.escalation_rate is None
    assert values.aht_seconds is None
    assert values.fcr == 0.0


def test_that_every_definition_names_a_kpi_and_a_count() -> None:
    names = {f.name for f in fields(Kpis)}
    for definition in KPI_DEFINITIONS:
        assert definition.name in names
        assert definition.basis in names
        assert definition.basis not in {d.name for d in KPI_DEFINITIONS}


def test_that_fact_sums_add_field_by_field() -> None:
    total = SUMS + FactSums(contacts=1, handle_seconds=0.5, generative_drafts=2)
    assert total.contacts == 201
    assert total.handle_seconds == 36_000.5
    assert total.generative_drafts == 102
    assert total.csat_sum == SUMS.csat_sum


def test_that_fact_sums_read_sql_rows_with_nulls_and_decimals() -> None:
    row: dict[str, int | float | Decimal | None] = {f.name: 1 for f in fields(FactSums)}
    row |= {"csat_sum": None, "handle_seconds": Decimal("12.5"), "bucket": 0, "key": 0}
    sums = FactSums.from_mapping(row)
    assert sums.csat_sum == 0
    assert sums.handle_seconds == 12.5
    assert isinstance(sums.handle_seconds, float)
    assert sums.contacts == 1


def test_that_fact_sums_refuse_a_row_missing_a_field() -> None:
    row: dict[str, int | float | Decimal | None] = {f.name: 1 for f in fields(FactSums)}
    del row["escalation_reasked"]
    with pytest.raises(ValueError, match="escalation_reasked"):
        FactSums.from_mapping(row)


# latency histograms


def test_that_quantiles_interpolate_inside_the_bucket() -> None:
    histogram = LatencyHistogram.from_values(range(1, 101))
    assert histogram.counts[:7] == (1, 1, 3, 5, 10, 30, 50)
    assert histogram.quantile(0.5) == pytest.approx(50)
    assert histogram.quantile(0.95) == pytest.approx(95)
    assert histogram.quantile(0.25) == pytest.approx(20 + 30 * (25 - 20) / 30)
    assert histogram.quantile(1.0) == pytest.approx(100)
    assert histogram.quantile(0.0) == 0.0


def test_that_a_bucket_bound_belongs_to_the_bucket_it_ends() -> None:
    histogram = LatencyHistogram.from_values([1.0, 1.5, 2.0, 2.0001])
    assert histogram.counts[:3] == (1, 2, 1)


def test_that_quantiles_stay_within_one_bucket_width() -> None:
    latencies = np.random.default_rng(7).lognormal(mean=5.0, sigma=1.2, size=5000)
    histogram = LatencyHistogram.from_values(float(x) for x in latencies)
    ordered = np.sort(latencies)
    for q in (0.1, 0.5, 0.9, 0.95, 0.99):
        exact = float(ordered[math.ceil(q * len(ordered)) - 1])
        index = int(np.searchsorted(BUCKETS_MS, exact))
        width = BUCKETS_MS[index] - (BUCKETS_MS[index - 1] if index else 0)
        estimate = histogram.quantile(q)
        assert estimate is not None
        assert abs(estimate - exact) <= width


def test_that_a_quantile_beyond_the_last_bound_reports_that_bound() -> None:
    histogram = LatencyHistogram.from_values([10.0] * 90 + [60_000.0] * 10)
    assert histogram.quantile(0.95) == 5000
    assert histogram.quantile(0.5) == pytest.approx(5 + 5 * 50 / 90)


def test_that_merged_histograms_equal_the_histogram_of_all_values() -> None:
    merged = LatencyHistogram.from_values(range(1, 51)) + LatencyHistogram.from_values(
        range(51, 101)
    )
    assert merged == LatencyHistogram.from_values(range(1, 101))
    assert merged.quantile(0.5) == pytest.approx(50)
    assert merged.total == 100


def test_that_histograms_build_from_sql_buckets() -> None:
    histogram = LatencyHistogram.from_buckets({1.0: 2, 50: 3, math.inf: 1})
    assert histogram == LatencyHistogram.from_values([0.5, 1.0, 30, 40, 50, 9000])
    with pytest.raises(ValueError, match="not latency bucket bounds"):
        LatencyHistogram.from_buckets({3.0: 1})


def test_that_an_empty_histogram_has_no_quantiles() -> None:
    assert LatencyHistogram.empty().quantile(0.5) is None


def test_that_invalid_histograms_and_quantiles_are_refused() -> None:
    with pytest.raises(ValueError, match="counts for"):
        LatencyHistogram((1, 2))
    with pytest.raises(ValueError, match="ascend"):
        LatencyHistogram((0, 0), (5.0, 1.0))
    with pytest.raises(ValueError, match="different buckets"):
        LatencyHistogram.empty() + LatencyHistogram.empty((10.0, math.inf))
    with pytest.raises(ValueError, match="quantile"):
        LatencyHistogram.empty().quantile(1.5)


# reports


def test_that_a_report_adds_each_keys_periods_into_a_whole_period_row() -> None:
    report = weekly_report({"order_status": 10, "return_item": 30})
    totals = report.totals()
    assert [row.key for row in totals] == ["return_item", "order_status"]
    assert totals[0].kpis.contacts == 120
    assert totals[0].kpis.containment == pytest.approx(0.5)
    assert totals[0].kpis.ai_calls == 1
    assert report.periods() == tuple(WEEKS)
    assert len(report.rows) == 2 + 2 * len(WEEKS)
    assert report.cost_model_version == "test@1+00000000"


def test_that_a_cell_with_latency_only_gets_a_row_without_contacts() -> None:
    report = kpi_report(
        since=SINCE,
        until=UNTIL,
        granularity=Granularity.DAY,
        dimension=Dimension.TOTAL,
        sums={},
        latency={(WEEKS[0], "all"): LatencyHistogram.from_values([6.0, 7.0])},
        cost_model=COSTS,
    )
    (total,) = report.totals()
    assert total.kpis.contacts == 0
    assert total.kpis.containment is None
    assert total.kpis.ai_latency_p50_ms == pytest.approx(5 + 5 * 1 / 2)


def test_that_a_report_needs_since_before_until() -> None:
    with pytest.raises(ValueError, match="since < until"):
        kpi_report(
            since=UNTIL,
            until=SINCE,
            granularity=Granularity.DAY,
            dimension=Dimension.TOTAL,
            sums={},
            latency={},
            cost_model=COSTS,
        )


def test_that_keys_beyond_the_top_six_collapse_into_other() -> None:
    contacts = {f"intent_{i}": 100 - 10 * i for i in range(8)}
    collapsed = collapse_keys(weekly_report(contacts), top=6)
    keys = [row.key for row in collapsed.totals()]
    assert keys == [f"intent_{i}" for i in range(6)] + ["other (2 keys)"]
    other = collapsed.totals()[-1]
    assert other.kpis.contacts == 4 * (30 + 40)
    assert other.sums == FactSums(contacts=4 * 70, contained=4 * (15 + 20), bot_started=4 * 70)
    assert other.kpis.ai_calls == 2
    weekly = [
        row
        for row in collapsed.rows
        if row.key == "other (2 keys)" and row.period_start is not None
    ]
    assert [row.period_start for row in weekly] == WEEKS
    assert all(row.kpis.contacts == 70 for row in weekly)


def test_that_seven_keys_are_not_collapsed() -> None:
    report = weekly_report({f"intent_{i}": 10 + i for i in range(7)})
    assert collapse_keys(report, top=6) is report


def test_that_json_keeps_nulls_and_rounds_per_unit() -> None:
    report = weekly_report({"order_status": 3})
    data = to_json(report)
    json.dumps(data)
    assert data["dimension"] == "intent"
    assert data["currency"] == "EUR"
    assert data["cost_model_version"] == "test@1+00000000"
    rows = data["rows"]
    assert isinstance(rows, list)
    whole, first_week = rows[0], rows[1]
    assert whole["period_start"] is None
    assert first_week["period_start"] == "2026-11-02"
    assert whole["kpis"]["containment"] == 0.3333
    assert whole["kpis"]["csat"] is None
    assert whole["kpis"]["contacts"] == 12
    assert whole["kpis"]["cost_per_interaction"] == 0.05

"""Queue forecasts: Erlang C on live load, SLA breaches and arrival spikes."""

import math

from cxops.domain.ids import QueueId
from cxops.domain.routing import QueueLoad
from cxops.routing.capacity import forecast
from cxops.routing.policy import default_policy

POLICY = default_policy().policy
ORDERS = POLICY.queue("q_orders_delivery")  # 80% within 60 s


def load(**changes: float) -> QueueLoad:
    values: dict[str, float] = {
        "waiting": 0,
        "longest_wait_seconds": 0.0,
        "servers": 14,
        "arrivals_per_hour": 200.0,
        "baseline_arrivals_per_hour": 180.0,
        "handle_time_seconds": 180.0,
    }
    values.update(changes)
    return QueueLoad(
        queue=QueueId("q_orders_delivery"),
        waiting=int(values["waiting"]),
        longest_wait_seconds=values["longest_wait_seconds"],
        servers=int(values["servers"]),
        arrivals_per_hour=values["arrivals_per_hour"],
        baseline_arrivals_per_hour=values["baseline_arrivals_per_hour"],
        handle_time_seconds=values["handle_time_seconds"],
    )


def test_that_a_well_staffed_queue_meets_its_sla() -> None:
    figures = forecast(load(), ORDERS, POLICY.adaptation)
    assert figures.service_level > 0.8
    assert not figures.breaching
    assert not figures.spike


def test_that_too_few_agents_break_the_sla() -> None:
    figures = forecast(load(servers=11), ORDERS, POLICY.adaptation)
    assert figures.service_level < 0.8
    assert figures.breaching


def test_that_a_backlog_adds_to_the_predicted_wait() -> None:
    empty = forecast(load(), ORDERS, POLICY.adaptation)
    behind = forecast(load(waiting=7), ORDERS, POLICY.adaptation)
    assert behind.predicted_wait_seconds == empty.predicted_wait_seconds + 7 * 180 / 14
    assert behind.breaching


def test_that_nobody_signed_in_means_an_unbounded_wait() -> None:
    figures = forecast(load(servers=0), ORDERS, POLICY.adaptation)
    assert math.isinf(figures.predicted_wait_seconds)
    assert figures.breaching


def test_that_arrivals_at_twice_the_baseline_are_a_spike() -> None:
    assert forecast(load(arrivals_per_hour=400.0, servers=40), ORDERS, POLICY.adaptation).spike
    assert not forecast(load(arrivals_per_hour=300.0, servers=40), ORDERS, POLICY.adaptation).spike


def test_that_a_handful_of_contacts_on_a_quiet_queue_is_not_a_spike() -> None:
    quiet = load(arrivals_per_hour=8.0, baseline_arrivals_per_hour=0.5)
    assert not forecast(quiet, ORDERS, POLICY.adaptation).spike

"""Erlang C against closed forms and the textbook worked example."""

import math

import pytest

from cxops.routing.erlang import agents_needed, erlang_c, queue_figures


def factorial_erlang_c(traffic: float, agents: int) -> float:
    """The textbook formula, written out term by term, as an independent reference."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_that_one_agent_waits_with_probability_equal_to_utilisation() -> None:
    assert erlang_c(0.6, 1) == pytest.approx(0.6)


def test_that_two_agents_match_the_m_m_2_closed_form() -> None:
    rho = 0.5
    assert erlang_c(2 * rho, 2) == pytest.approx(2 * rho**2 / (1 + rho))


@pytest.mark.parametrize(("traffic", "agents"), [(10.0, 11), (10.0, 14), (2.5, 4), (37.2, 45)])
def test_that_the_recursion_matches_the_factorial_formula(traffic: float, agents: int) -> None:
    assert erlang_c(traffic, agents) == pytest.approx(factorial_erlang_c(traffic, agents))


def test_the_textbook_example_of_200_calls_an_hour_at_3_minutes() -> None:
    """200 calls an hour, 180 s handle time: 10 erlangs. With 11 agents the chance of waiting
    is 68.2%, the average wait about 123 s and 39% are answered within 20 s; 14 agents are the
    fewest that answer 80% within 20 s (88.8%)."""
    eleven = queue_figures(
        arrivals_per_hour=200, handle_time_seconds=180, agents=11, answer_within_seconds=20
    )
    assert eleven.traffic == pytest.approx(10.0)
    assert eleven.wait_probability == pytest.approx(0.6821, abs=1e-4)
    assert eleven.average_wait == pytest.approx(122.8, abs=0.1)
    assert eleven.service_level == pytest.approx(0.3896, abs=1e-4)
    assert (
        agents_needed(
            arrivals_per_hour=200,
            handle_time_seconds=180,
            answer_within_seconds=20,
            target_service_level=0.8,
        )
        == 14
    )


def test_that_an_overloaded_queue_never_catches_up() -> None:
    figures = queue_figures(
        arrivals_per_hour=100, handle_time_seconds=360, agents=10, answer_within_seconds=60
    )
    assert figures.wait_probability == 1.0
    assert math.isinf(figures.average_wait)
    assert figures.service_level == 0.0


def test_that_nobody_waits_when_nobody_arrives() -> None:
    assert erlang_c(0.0, 3) == 0.0


def test_that_hundreds_of_agents_do_not_overflow() -> None:
    assert 0.0 < erlang_c(480.0, 500) < 1.0

"""Erlang C: how long contacts wait, given how many arrive, how long they take, and who is there.

The textbook M/M/N model (Poisson arrivals, exponential handle times, N agents, no abandonment).
Real queues abandon and handle times are not exponential, so these are planning estimates, the
same ones workforce-management tools show; they are what the routing policy compares with the SLA.

The probability of waiting is computed through the Erlang B recursion, which stays finite for
hundreds of agents where the factorial form overflows.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErlangResult:
    """`traffic` in erlangs (arrival rate x handle time); `wait_probability` is Erlang C;
    `average_wait` and `service_level` are for the next contact; an overloaded queue (traffic at
    or above the agents) has wait probability 1, infinite wait and service level 0."""

    traffic: float
    agents: int
    wait_probability: float
    average_wait: float
    service_level: float
    occupancy: float


def erlang_c(traffic: float, agents: int) -> float:
    """Return the probability that a contact has to wait (Erlang C) for `agents` servers."""
    if traffic < 0 or agents < 0:
        raise ValueError("traffic and agents must not be negative")
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def queue_figures(
    *,
    arrivals_per_hour: float,
    handle_time_seconds: float,
    agents: int,
    answer_within_seconds: float,
) -> ErlangResult:
    """Return Erlang C figures for a queue and an SLA threshold (e.g. answered within 60 s)."""
    if arrivals_per_hour < 0 or handle_time_seconds <= 0 or answer_within_seconds < 0:
        raise ValueError("rates and times must be positive")
    traffic = arrivals_per_hour * handle_time_seconds / 3600.0
    probability = erlang_c(traffic, agents)
    if agents == 0 or (traffic > 0 and agents <= traffic):
        return ErlangResult(traffic, agents, 1.0, math.inf, 0.0, 1.0)
    spare = agents - traffic
    return ErlangResult(
        traffic=traffic,
        agents=agents,
        wait_probability=probability,
        average_wait=probability * handle_time_seconds / spare,
        service_level=1.0
        - probability * math.exp(-spare * answer_within_seconds / handle_time_seconds),
        occupancy=traffic / agents,
    )


def agents_needed(
    *,
    arrivals_per_hour: float,
    handle_time_seconds: float,
    answer_within_seconds: float,
    target_service_level: float,
    limit: int = 10_000,
) -> int:
    """Return the fewest agents that meet the service-level target (e.g. 0.8 within 60 s)."""
    if not 0.0 < target_service_level < 1.0:
        raise ValueError("target_service_level must be between 0 and 1")
    traffic = arrivals_per_hour * handle_time_seconds / 3600.0
    for agents in range(max(1, math.floor(traffic) + 1), limit + 1):
        figures = queue_figures(
            arrivals_per_hour=arrivals_per_hour,
            handle_time_seconds=handle_time_seconds,
            agents=agents,
            answer_within_seconds=answer_within_seconds,
        )
        if figures.service_level >= target_service_level:
            return agents
    raise ValueError(f"no staffing up to {limit} agents meets the target")

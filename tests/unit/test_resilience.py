"""The circuit breaker's states on a clock the test moves, and the retry backoff."""

import random

import pytest

from cxops.connectors.resilience import CircuitBreaker, CircuitState, backoff_seconds


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def breaker(clock: ManualClock) -> CircuitBreaker:
    return CircuitBreaker(name="test", failure_threshold=3, cool_down_seconds=10, monotonic=clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.allow()
        breaker.failed()


def test_that_the_breaker_opens_after_the_threshold_of_consecutive_failures(
    breaker: CircuitBreaker,
) -> None:
    fail(breaker, 2)
    assert breaker.state == CircuitState.CLOSED
    fail(breaker, 1)
    assert breaker.state == CircuitState.OPEN
    assert not breaker.allow()


def test_that_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.succeeded()
    fail(breaker, 2)
    assert breaker.state == CircuitState.CLOSED


def test_that_after_the_cool_down_one_trial_goes_and_its_success_closes(
    breaker: CircuitBreaker, clock: ManualClock
) -> None:
    fail(breaker, 3)
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state == CircuitState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # the trial is in flight
    breaker.succeeded()
    assert breaker.state == CircuitState.CLOSED
    assert breaker.allow()


def test_that_a_failed_trial_opens_for_a_whole_new_cool_down(
    breaker: CircuitBreaker, clock: ManualClock
) -> None:
    fail(breaker, 3)
    clock.now += 10
    fail(breaker, 1)
    assert breaker.state == CircuitState.OPEN
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_that_backoff_doubles_up_to_its_ceiling_with_jitter_in_the_upper_half() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (9, 1.0)]:
        for _ in range(50):
            wait = backoff_seconds(attempt, base_seconds=0.2, max_seconds=1.0, rng=rng)
            assert ceiling / 2 <= wait <= ceiling

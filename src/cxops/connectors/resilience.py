"""Staying responsive while a remote system struggles: a circuit breaker and retry backoff.

Callers of a failing system should fail fast instead of each waiting out its own timeouts (which
ties up every worker and keeps the system under load while it tries to recover), and retries
should spread out instead of arriving in lock-step.
"""

import random
import threading
import time
from collections.abc import Callable
from enum import StrEnum

import structlog

__all__ = ["CircuitBreaker", "CircuitState", "backoff_seconds"]

log = structlog.get_logger("cxops.connectors.resilience")


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts consecutive failed calls to one remote system and stops calls while it is failing.

    Closed: every call may go; `failure_threshold` failures in a row open the breaker. Open: no
    call may go until `cool_down_seconds` have passed since it opened; then it is half-open.
    Half-open: one trial call may go at a time; its success closes the breaker, its failure opens
    it for another cool-down. Any success resets the count.

    Thread-safe. Contract: every call that `allow()` let through must be reported once, with
    `succeeded()` or `failed()`, or a half-open breaker stays shut waiting for its trial.
    State lives in the process: each process of a deployment has its own breaker.
    """

    def __init__(
        self,
        *,
        name: str,
        failure_threshold: int,
        cool_down_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._name = name
        self._threshold = failure_threshold
        self._cool_down = cool_down_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> CircuitState:
        with self._lock:
            if self._opened_at is None:
                return CircuitState.CLOSED
            if self._monotonic() - self._opened_at < self._cool_down:
                return CircuitState.OPEN
            return CircuitState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go to the remote system now (half-open: True for the one trial)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial_in_flight or self._monotonic() - self._opened_at < self._cool_down:
                return False
            self._trial_in_flight = True
        log.info("connector.circuit.half_open", connector=self._name)
        return True

    def succeeded(self) -> None:
        """Record a call the remote system answered; closes an open or half-open breaker."""
        with self._lock:
            was_open = self._opened_at is not None
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False
        if was_open:
            log.info("connector.circuit.closed", connector=self._name)

    def failed(self) -> None:
        """Record a call that got no usable answer; may open the breaker."""
        with self._lock:
            self._failures += 1
            trial_failed = self._trial_in_flight
            opens = trial_failed or (self._opened_at is None and self._failures >= self._threshold)
            if opens:
                self._opened_at = self._monotonic()
                self._trial_in_flight = False
            failures = self._failures
        if opens:
            log.warning(
                "connector.circuit.opened",
                connector=self._name,
                consecutive_failures=failures,
                trial_failed=trial_failed,
                cool_down_seconds=self._cool_down,
            )


def backoff_seconds(
    attempt: int, *, base_seconds: float, max_seconds: float, rng: random.Random
) -> float:
    """The wait after failed attempt number `attempt` (1-based): `base_seconds` doubling per
    attempt up to `max_seconds`, drawn uniformly from the upper half of that ("equal jitter"),
    so retries never come sooner than half the nominal wait yet do not arrive together."""
    ceiling = min(max_seconds, base_seconds * 2.0 ** (attempt - 1))
    return ceiling * rng.uniform(0.5, 1.0)

"""Queue forecasts: predicted wait and service level from live load, and whether a queue is under
pressure (its SLA will break, or arrivals spiked), which is what lets the policy adapt."""

import math

from cxops.domain.routing import QueueForecast, QueueLoad
from cxops.routing.erlang import queue_figures
from cxops.routing.policy import Adaptation, QueueSpec

# Fewer arrivals than this in the recent window are noise, not a spike.
MIN_SPIKE_ARRIVALS = 3


def forecast(load: QueueLoad, spec: QueueSpec, adaptation: Adaptation) -> QueueForecast:
    """Return the Erlang C forecast for the next contact to join `load`'s queue.

    The arrival rate is the recent one, counting the contact being decided, so an empty history
    still gives a finite, honest estimate. The service level is Erlang C's steady state; the
    predicted wait adds the backlog (contacts already waiting are served first, at
    `handle_time / servers` each), so a queue that is behind shows it before the averages do.
    """
    figures = queue_figures(
        arrivals_per_hour=max(load.arrivals_per_hour, 1.0),
        handle_time_seconds=load.handle_time_seconds,
        agents=load.servers,
        answer_within_seconds=spec.sla.answer_within_seconds,
    )
    backlog = load.waiting * load.handle_time_seconds / load.servers if load.servers else math.inf
    predicted_wait = figures.average_wait + backlog
    service_level = figures.service_level
    recent_arrivals = load.arrivals_per_hour * adaptation.window_minutes / 60.0
    spike = (
        recent_arrivals >= MIN_SPIKE_ARRIVALS
        and load.arrivals_per_hour >= adaptation.spike_factor * load.baseline_arrivals_per_hour
    )
    breaching = (
        service_level < spec.sla.target_percent / 100.0
        or predicted_wait > spec.sla.answer_within_seconds
        or load.longest_wait_seconds > spec.sla.answer_within_seconds
    )
    return QueueForecast(
        queue=load.queue,
        predicted_wait_seconds=predicted_wait,
        service_level=service_level,
        occupancy=figures.occupancy,
        breaching=breaching,
        spike=spike,
    )

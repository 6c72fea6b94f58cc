"""Prometheus metrics: HTTP series counted by middleware, business series read at scrape time.

Each app gets its own `CollectorRegistry`, never the process-wide default, so several apps in one
process (tests, for one) keep separate series. Labels are bounded: the route template, never the
raw path; an unusual HTTP method is `other`.

The HTTP series live in the process that answered: behind several workers a scrape sees one
worker's counts. The business series come from the database and agree whichever worker answers.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import structlog
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from cxops.api.middleware import Observed
from cxops.bootstrap import Container
from cxops.domain.conversations import ConversationStatus
from cxops.domain.webhooks import DeliveryStatus
from cxops.ports import Clock
from cxops.store.metrics import TRIAGE_ROW_CAP, BusinessFigures, read_figures

log = structlog.get_logger("cxops.api")

UNMATCHED = "unmatched"
CONTAINMENT_WINDOW = timedelta(hours=24)
TRIAGE_WINDOW = timedelta(hours=1)
TRIAGE_QUANTILES = (0.5, 0.95, 0.99)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class HttpSeries:
    """The request counter and duration histogram of one app's registry."""

    requests: Counter
    durations: Histogram

    @classmethod
    def on(cls, registry: CollectorRegistry) -> "HttpSeries":
        """Create both series in `registry`."""
        return cls(
            requests=Counter(
                "cxops_http_requests",
                "HTTP requests answered, by method, route template and status.",
                ["method", "route", "status"],
                registry=registry,
            ),
            durations=Histogram(
                "cxops_http_request_duration_seconds",
                "Time from a request's arrival to the end of its response.",
                ["method", "route"],
                registry=registry,
            ),
        )


class HttpMetricsMiddleware:
    """Count and time every HTTP request under its route template (`unmatched` when no route
    matched), with status 500 when the app raised before answering."""

    def __init__(self, app: ASGIApp, *, series: HttpSeries) -> None:
        self.app = app
        self.series = series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = Observed(scope, send)
        try:
            await self.app(scope, receive, seen.send)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "other"
            template = seen.route or UNMATCHED
            self.series.requests.labels(method, template, str(seen.status)).inc()
            self.series.durations.labels(method, template).observe(seen.seconds)


class BusinessCollector:
    """Business series computed from the database at each scrape.

    A scrape never fails on the database: when it cannot be read, the collector yields
    `cxops_metrics_scrape_error 1` and nothing else, and the HTTP series are served as usual.
    """

    def __init__(self, *, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            with self._engine.connect() as connection:
                figures = read_figures(
                    connection,
                    now=self._clock.now(),
                    containment_window=CONTAINMENT_WINDOW,
                    triage_window=TRIAGE_WINDOW,
                )
        except SQLAlchemyError as exc:
            log.warning("metrics.scrape.failed", error=type(exc).__name__)
            yield _scrape_error(1)
            return
        yield _scrape_error(0)
        yield from _business_families(figures)


def _scrape_error(value: int) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "cxops_metrics_scrape_error",
        "1 when the last scrape could not read the database (business series are then absent).",
        value=value,
    )


def _window(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 3600)}h"


def _business_families(figures: BusinessFigures) -> Iterator[Metric]:
    """Turn one reading of the database into metric families.

    Every known conversation and delivery status is exposed, as 0 when none has it. The
    containment ratio and the triage latency quantiles have no sample while their window is empty.
    """
    decisions = CounterMetricFamily(
        "cxops_decisions",
        "Decisions recorded since the start, by kind and outcome.",
        labels=["kind", "outcome"],
    )
    for (kind, outcome), count in sorted(figures.decisions.items()):
        decisions.add_metric([kind, outcome], count)
    yield decisions

    yield _gauge_by(
        "cxops_conversations",
        "Conversations now in each status.",
        "status",
        {status.value: 0 for status in ConversationStatus} | figures.conversations,
    )

    containment = GaugeMetricFamily(
        "cxops_containment_ratio",
        "Of conversations closed in the window, the share resolved without a queue or an agent.",
        labels=["window"],
    )
    closed = figures.containment.closed
    if closed:
        containment.add_metric(
            [_window(CONTAINMENT_WINDOW)], figures.containment.contained / closed
        )
    yield containment

    latency = GaugeMetricFamily(
        "cxops_triage_latency_seconds",
        f"Quantiles of triage latency over the window, from at most the latest {TRIAGE_ROW_CAP} "
        "triaged messages.",
        labels=["quantile", "window"],
    )
    if figures.triage_latencies_ms:
        seconds = np.asarray(figures.triage_latencies_ms) / 1000
        for q, value in zip(TRIAGE_QUANTILES, np.quantile(seconds, TRIAGE_QUANTILES), strict=True):
            latency.add_metric([str(q), _window(TRIAGE_WINDOW)], float(value))
    yield latency

    yield _gauge_by(
        "cxops_queue_waiting",
        "Conversations waiting in each queue.",
        "queue",
        figures.queue_waiting,
    )
    yield _gauge_by(
        "cxops_webhook_deliveries",
        "Webhook deliveries in each status.",
        "status",
        {status.value: 0 for status in DeliveryStatus} | figures.webhook_deliveries,
    )


def _gauge_by(name: str, documentation: str, label: str, counts: dict[str, int]) -> Metric:
    gauge = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(counts.items()):
        gauge.add_metric([value], count)
    return gauge


def install_metrics(app: FastAPI, container: Container) -> None:
    """Serve `GET /metrics` (no API key, like `/healthz`) and count every request into it.

    Install after the other middleware, so requests they answer themselves (a 413) are counted.
    """
    registry = CollectorRegistry()
    registry.register(BusinessCollector(engine=container.engine, clock=container.clock))
    app.add_middleware(HttpMetricsMiddleware, series=HttpSeries.on(registry))

    def metrics() -> Response:
        """Prometheus text exposition of this process's HTTP series and the business series."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(
        "/metrics", metrics, methods=["GET"], tags=["health"], response_class=PlainTextResponse
    )

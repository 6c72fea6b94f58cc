"""KPIs' shell: reads the database's aggregates of contact facts (AI latencies included, as
pre-aggregated histogram buckets) and hands them to the pure `kpis` module. Every KPI request is
one GROUP BY query over one row per contact, however many messages the contacts had."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from cxops.analytics.costs import LoadedCostModel
from cxops.analytics.kpis import (
    BUCKETS_MS,
    Dimension,
    FactSums,
    Granularity,
    KpiReport,
    LatencyHistogram,
    kpi_report,
)
from cxops.domain.errors import InvalidInputError
from cxops.ports import Clock, UnitOfWorkFactory

DEFAULT_DAYS = 7
MAX_DAYS = 400


class Reporting:
    def __init__(
        self, *, uow_factory: UnitOfWorkFactory, clock: Clock, cost_model: LoadedCostModel
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._cost_model = cost_model

    def kpis(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        granularity: Granularity = Granularity.DAY,
        dimension: Dimension = Dimension.TOTAL,
    ) -> KpiReport:
        """KPIs of the contacts closed in [since, until) per period and key; by default the
        last `DEFAULT_DAYS` days. A period longer than `MAX_DAYS` days is refused."""
        until = until or self._clock.now()
        since = since or until - timedelta(days=DEFAULT_DAYS)
        if since >= until:
            raise InvalidInputError("since", "must be before until")
        if until - since > timedelta(days=MAX_DAYS):
            raise InvalidInputError("since", f"a report covers at most {MAX_DAYS} days")
        with self._uow() as uow:
            sums = uow.contacts.sums(
                since=since, until=until, granularity=granularity.value, dimension=dimension.value
            )
        return kpi_report(
            since=since,
            until=until,
            granularity=granularity,
            dimension=dimension,
            sums={(p, k): FactSums.from_mapping(v) for p, k, v in sums if p is not None},
            latency={(p, k): _histogram(v) for p, k, v in sums if p is not None},
            cost_model=self._cost_model,
        )


def _histogram(sums: Mapping[str, float]) -> LatencyHistogram:
    return LatencyHistogram(
        tuple(int(sums[f"latency_b{i}"]) for i in range(len(BUCKETS_MS))), BUCKETS_MS
    )

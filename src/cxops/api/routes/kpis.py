"""KPIs by period, broken down by intent, queue, channel, segment, agent or experiment variant."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cxops.analytics.kpis import Dimension, Granularity, to_json
from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.domain.access import Principal
from cxops.governance.roles import Permission

router = APIRouter(tags=["kpis"], responses=ERROR_RESPONSES)

Analyst = Annotated[Principal, Depends(allow(Permission.METRICS_READ))]
When = Annotated[datetime | None, Query(description="ISO 8601, with a time zone")]


@router.get("/v1/kpis")
def get_kpis(
    container: ContainerDep,
    _: Analyst,
    since: When = None,
    until: When = None,
    granularity: Granularity = Granularity.DAY,
    by: Dimension = Dimension.TOTAL,
) -> dict[str, Any]:
    """AHT, first-contact resolution, repeat contacts, transfers, containment, escalation and
    its success, CSAT, suggestion acceptance, AI latency p50/p95 and cost per interaction over
    the contacts closed in [since, until) (default: the last 7 days): one row per key for the
    whole period (`period_start` null), then one per period and key. A KPI without data is
    null, never 0."""
    report = container.reporting.kpis(
        since=since, until=until, granularity=granularity, dimension=by
    )
    return to_json(report)

"""Monitoring: alerts (recorded, and firing now), an on-demand monitor run, and the weekly human
labels that triage accuracy is measured on."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import Strict
from cxops.domain.access import Principal
from cxops.domain.ids import MessageId
from cxops.governance.roles import Permission

router = APIRouter(tags=["monitoring"], responses=ERROR_RESPONSES)

Analyst = Annotated[Principal, Depends(allow(Permission.METRICS_READ))]
Labeller = Annotated[Principal, Depends(allow(Permission.QA_REVIEW))]
Operator = Annotated[Principal, Depends(allow(Permission.POLICIES_MANAGE))]


class LabelCreate(Strict):
    message_id: str = Field(min_length=1, max_length=40)
    intent: str = Field(min_length=1, max_length=64, description="The intent a person reads.")


class ToLabel(BaseModel):
    message_id: str
    text: str = Field(description="As stored: personal data already redacted.")
    triage_intent: str
    confidence: float


@router.get("/v1/alerts")
def list_alerts(
    container: ContainerDep,
    _: Analyst,
    since: Annotated[datetime | None, Query(description="ISO 8601, with a time zone")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Alert events (firing, repeat, resolved), newest first, and the series firing now."""
    return {
        "firing": container.monitor.firing(),
        "events": container.monitor.alerts(since=since, limit=limit),
    }


@router.post("/v1/monitor/run")
def run_monitor(container: ContainerDep, _: Operator) -> dict[str, Any]:
    """Measure now and evaluate the alert rules (the server also does it every
    `monitor_interval_seconds`); returns the measurements, drift and events."""
    report = container.monitor.run()
    return {
        "at": report.at,
        "rules_version": report.rules_version,
        "samples": [
            {"metric": s.metric, "value": s.value, "labels": dict(s.labels)} for s in report.samples
        ],
        "drift": [
            {
                "name": d.name,
                "psi": d.psi,
                "level": None if d.level is None else d.level.value,
                "baseline_n": d.baseline_n,
                "current_n": d.current_n,
                "insufficient_data": d.insufficient_data,
                "top": [
                    {
                        "category": t.category,
                        "baseline_share": t.baseline_share,
                        "current_share": t.current_share,
                        "contribution": t.contribution,
                    }
                    for t in d.top
                ],
            }
            for d in report.drift
        ],
        "events": [{"kind": e.kind.value, "key": e.key, "value": e.value} for e in report.events],
        "firing": list(report.firing),
    }


@router.get("/v1/labels/sample", response_model=list[ToLabel])
def sample_to_label(
    container: ContainerDep, _: Labeller, size: Annotated[int, Query(ge=1, le=200)] = 25
) -> list[ToLabel]:
    """This week's customer messages nobody has labelled yet, spread over the week."""
    return [
        ToLabel(message_id=m, text=t, triage_intent=i, confidence=c)
        for m, t, i, c in container.monitor.sample_to_label(size=size)
    ]


@router.post("/v1/labels", status_code=status.HTTP_204_NO_CONTENT)
def label(body: LabelCreate, container: ContainerDep, principal: Labeller) -> None:
    """A person's reading of a message's intent; labelling it again corrects the label."""
    container.monitor.label(
        MessageId(body.message_id), intent=body.intent, by=principal.user_id or principal.key_id
    )

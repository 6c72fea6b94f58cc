"""The supervisor dashboard: the floor at a glance, for the roles that read metrics.

First slice: the live queues (waiting, longest wait, service level against the SLA, predicted
wait, capacity), from the same figures as `GET /v1/queues`.
"""

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cxops.api.deps import ContainerDep
from cxops.governance.roles import Permission
from cxops.web.pages import PREFIX, page, render
from cxops.web.session import Viewer

router = APIRouter(prefix=PREFIX, include_in_schema=False)

MetricsReader = Annotated[Viewer, Depends(page(Permission.METRICS_READ))]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, container: ContainerDep, who: MetricsReader) -> HTMLResponse:
    """Every queue's live figures."""
    return render(
        request, "dashboard.html", who=who, queues=container.floor.queues(), unstaffed=math.inf
    )

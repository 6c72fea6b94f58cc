"""The decision explorer: find any decision cxops took and see why, through the same data access
as `GET /v1/decisions/{id}` and `GET /v1/conversations/{id}`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cxops.api.deps import ContainerDep
from cxops.bootstrap import Container
from cxops.domain.decisions import Decision
from cxops.domain.errors import NotFoundError
from cxops.domain.ids import ConversationId, DecisionId
from cxops.domain.routing import StoredPolicy
from cxops.governance.roles import Permission
from cxops.pipeline import ConversationView
from cxops.web.pages import PREFIX, page, render
from cxops.web.session import Viewer

router = APIRouter(prefix=f"{PREFIX}/decisions", include_in_schema=False)

DecisionReader = Annotated[Viewer, Depends(page(Permission.DECISIONS_READ))]


def _decision(container: Container, key: str) -> tuple[Decision, StoredPolicy | None] | None:
    try:
        return container.floor.decision(DecisionId(key))
    except NotFoundError:
        return None


def _conversation(container: Container, key: str) -> ConversationView | None:
    try:
        return container.pipeline.conversation(ConversationId(key))
    except NotFoundError:
        return None


@router.get("", response_class=HTMLResponse)
def explore(
    request: Request, container: ContainerDep, who: DecisionReader, q: str = ""
) -> HTMLResponse:
    """Search by decision id (its detail) or conversation id (its decisions, oldest first)."""
    key = q.strip()
    found = _decision(container, key) if key else None
    view = _conversation(container, key) if key and found is None else None
    return render(
        request,
        "decisions.html",
        who=who,
        status=404 if key and found is None and view is None else 200,
        q=key,
        found=found,
        view=view,
    )


@router.get("/{decision_id}", response_class=HTMLResponse)
def detail(
    decision_id: str, request: Request, container: ContainerDep, who: DecisionReader
) -> HTMLResponse:
    """One decision, by a link that can be shared."""
    found = _decision(container, decision_id)
    return render(
        request,
        "decisions.html",
        who=who,
        status=200 if found else 404,
        q=decision_id,
        found=found,
        view=None,
    )

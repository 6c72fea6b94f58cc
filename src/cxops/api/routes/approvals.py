"""The approval queue of the self-service bot, and dry runs of its actions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import (
    ApprovalDecision,
    ApprovalOut,
    DryRunOut,
    DryRunRequest,
    ReasonOut,
)
from cxops.domain.access import Principal
from cxops.domain.ids import ActionId, OrderId
from cxops.domain.selfservice import Action
from cxops.governance.roles import Permission

router = APIRouter(tags=["approvals"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, Depends(allow(Permission.APPROVALS_READ))]
Approver = Annotated[Principal, Depends(allow(Permission.APPROVALS_DECIDE))]


def approval_out(action: Action) -> ApprovalOut:
    return ApprovalOut.model_validate(action).model_copy(
        update={"reasons": [ReasonOut.model_validate(r) for r in action.reasons]}
    )


@router.get("/v1/approvals", response_model=list[ApprovalOut])
def list_approvals(
    container: ContainerDep,
    _: Reader,
    status: Annotated[str, Query(pattern="^(pending|all)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ApprovalOut]:
    """Actions the bot prepared that need a person's approval, oldest first (`status=all`:
    decided ones too)."""
    found = container.selfservice.approvals(include_decided=status == "all", limit=limit)
    return [approval_out(a) for a in found]


@router.get("/v1/approvals/{approval_id}", response_model=ApprovalOut)
def get_approval(approval_id: str, container: ContainerDep, _: Reader) -> ApprovalOut:
    return approval_out(container.selfservice.approval(ActionId(approval_id)))


@router.post("/v1/approvals/{approval_id}", response_model=ApprovalOut)
def decide_approval(
    approval_id: str, body: ApprovalDecision, container: ContainerDep, principal: Approver
) -> ApprovalOut:
    """Approve (the write runs now) or reject; the customer is told in the conversation."""
    decided = container.selfservice.decide(
        ActionId(approval_id),
        approve=body.decision == "approve",
        by=principal.user_id or principal.key_id,
        note=body.note,
    )
    return approval_out(decided)


@router.post("/v1/actions/dry-run", response_model=DryRunOut)
def dry_run(body: DryRunRequest, container: ContainerDep, _: Reader) -> DryRunOut:
    """Check an order action against the order rules and the policy's limits without running
    it: whether it is allowed, whether it would need approval, and what it would change."""
    verdict, preview = container.selfservice.dry_run(body.kind, OrderId(body.order_id), body.params)
    return DryRunOut(
        allowed=verdict.allowed,
        needs_approval=verdict.needs_approval,
        reasons=[ReasonOut.model_validate(r) for r in verdict.reasons],
        preview=preview,
    )

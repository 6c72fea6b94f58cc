"""The floor: queues and their live figures, agents and their status, assignment, handoff
packets, closing conversations, decisions and the routing policy in force."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import (
    AgentList,
    AgentOut,
    AgentStatusChanged,
    AgentStatusUpdate,
    CloseRequest,
    ConversationOut,
    DecisionDetail,
    DecisionOut,
    HandoffOut,
    HoldRequest,
    NextConversation,
    PolicyOut,
    QueueList,
    QueueOut,
    TransferRequest,
)
from cxops.domain.access import Principal
from cxops.domain.errors import NotFoundError
from cxops.domain.ids import AgentId, ConversationId, DecisionId, QueueId
from cxops.floor import AgentView, QueueView
from cxops.governance.roles import Permission

router = APIRouter(prefix="/v1", tags=["floor"], responses=ERROR_RESPONSES)

QueueReader = Annotated[Principal, Depends(allow(Permission.QUEUES_READ))]
Workforce = Annotated[Principal, Depends(allow(Permission.WORKFORCE_WRITE))]
ConversationReader = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_READ))]
ConversationWriter = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_WRITE))]
DecisionReader = Annotated[Principal, Depends(allow(Permission.DECISIONS_READ))]
PolicyReader = Annotated[Principal, Depends(allow(Permission.POLICIES_READ))]


def _queue_out(view: QueueView) -> QueueOut:
    wait = view.forecast.predicted_wait_seconds
    return QueueOut(
        id=view.queue.id,
        name=view.queue.name,
        skill=view.queue.skill,
        language=view.queue.language,
        sla_seconds=view.queue.sla_seconds,
        sla_target_percent=view.queue.sla_target_percent,
        waiting=view.load.waiting,
        longest_wait_seconds=round(view.load.longest_wait_seconds, 1),
        servers=view.load.servers,
        arrivals_per_hour=round(view.load.arrivals_per_hour, 2),
        handle_time_seconds=round(view.load.handle_time_seconds, 1),
        predicted_wait_seconds=None if wait == float("inf") else round(wait, 1),
        service_level=round(view.forecast.service_level, 4),
        breaching=view.forecast.breaching,
        spike=view.forecast.spike,
    )


def _agent_out(view: AgentView) -> AgentOut:
    return AgentOut(
        id=view.agent.id,
        name=view.agent.name,
        status=view.agent.status,
        languages=list(view.agent.languages),
        skills=dict(view.load.skills),
        capacity=view.load.capacity,
        active=view.load.active,
    )


@router.get("/queues", response_model=QueueList)
def list_queues(container: ContainerDep, _: QueueReader) -> QueueList:
    """Every queue of the active policy with its live load and Erlang C forecast."""
    return QueueList(items=[_queue_out(v) for v in container.floor.queues()])


@router.get("/agents", response_model=AgentList)
def list_agents(container: ContainerDep, _: QueueReader) -> AgentList:
    return AgentList(items=[_agent_out(v) for v in container.floor.agents()])


@router.get("/agents/{agent_id}", response_model=AgentOut)
def get_agent(agent_id: str, container: ContainerDep, _: QueueReader) -> AgentOut:
    return _agent_out(container.floor.agent(AgentId(agent_id)))


@router.put("/agents/{agent_id}/status", response_model=AgentStatusChanged)
def set_agent_status(
    agent_id: str, body: AgentStatusUpdate, container: ContainerDep, _: Workforce
) -> AgentStatusChanged:
    """Set status (and capacity). An agent who becomes available with room is given the
    highest-priority waiting conversations they can serve, in the same transaction."""
    view, assigned = container.floor.set_agent_status(
        AgentId(agent_id), status=body.status, capacity=body.capacity
    )
    return AgentStatusChanged(
        agent=_agent_out(view),
        assigned=[ConversationOut.model_validate(c) for c in assigned],
    )


@router.post("/agents/{agent_id}/next", response_model=NextConversation)
def take_next(agent_id: str, container: ContainerDep, _: Workforce) -> NextConversation:
    """Give the agent the next waiting conversation they can serve (409 if not available)."""
    taken = container.floor.take_next(AgentId(agent_id))
    return NextConversation(
        conversation=None if taken is None else ConversationOut.model_validate(taken)
    )


@router.post("/conversations/{conversation_id}/close", response_model=ConversationOut)
def close_conversation(
    conversation_id: str, body: CloseRequest, container: ContainerDep, _: ConversationWriter
) -> ConversationOut:
    """Close with an outcome; the agent's freed capacity goes to the next waiting contact, and
    the conversation is scored against the QA scorecard."""
    closed = container.pipeline.close(ConversationId(conversation_id), outcome=body.outcome)
    return ConversationOut.model_validate(closed)


@router.post("/conversations/{conversation_id}/transfer", response_model=ConversationOut)
def transfer_conversation(
    conversation_id: str,
    body: TransferRequest,
    container: ContainerDep,
    principal: ConversationWriter,
) -> ConversationOut:
    """Move the conversation to another queue; an available agent there gets it at once."""
    moved = container.floor.transfer(
        ConversationId(conversation_id),
        queue=QueueId(body.queue_id),
        reason=body.reason,
        by=principal.user_id or principal.key_id,
    )
    return ConversationOut.model_validate(moved)


@router.post(
    "/conversations/{conversation_id}/holds",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionOut,
)
def record_hold(
    conversation_id: str, body: HoldRequest, container: ContainerDep, _: ConversationWriter
) -> DecisionOut:
    """A hold the customer was put on (from the voice platform, when it ends)."""
    hold = container.floor.record_hold(
        ConversationId(conversation_id), started_at=body.started_at, ended_at=body.ended_at
    )
    return DecisionOut.model_validate(hold)


@router.get("/conversations/{conversation_id}/handoff", response_model=HandoffOut)
def get_handoff(conversation_id: str, container: ContainerDep, _: ConversationReader) -> HandoffOut:
    """The latest handoff packet: what the person taking over needs to know."""
    return HandoffOut.model_validate(container.floor.handoff(ConversationId(conversation_id)))


@router.get("/decisions/{decision_id}", response_model=DecisionDetail)
def get_decision(decision_id: str, container: ContainerDep, _: DecisionReader) -> DecisionDetail:
    """Explain a past decision: outcome, reasons, inputs, and the policy it was made under."""
    decision, policy = container.floor.decision(DecisionId(decision_id))
    return DecisionDetail.model_validate(
        {
            **DecisionOut.model_validate(decision).model_dump(by_alias=False),
            "queue_id": decision.queue_id,
            "agent_id": decision.agent_id,
            "conversation_id": decision.conversation_id,
            "inputs": decision.inputs,
            "policy_text": None if policy is None else policy.text,
        }
    )


@router.get("/policies/active", response_model=PolicyOut)
def active_policy(container: ContainerDep, _: PolicyReader) -> PolicyOut:
    """The routing policy in force, with its exact text."""
    stored = container.floor.active_policy()
    if stored is None:
        raise NotFoundError("active policy", "-")
    return PolicyOut.model_validate(stored, from_attributes=True)


@router.get("/policies", response_model=list[PolicyOut])
def policy_history(container: ContainerDep, _: PolicyReader) -> list[PolicyOut]:
    """Every stored policy version, newest first."""
    return [
        PolicyOut.model_validate(p, from_attributes=True) for p in container.floor.policy_history()
    ]

"""The agent workspace: my queue and my conversations, and one conversation with everything the
person answering needs beside it (handoff packet, customer context, reply suggestions with
next-best-actions and compliance reminders), replying and closing with an outcome.

A console user works as the agent record linked to them (`cxops users link`). An agent opens
only the conversations they hold; roles that supervise the floor (they read metrics) may open any
open conversation and step in. Every write goes through the same services as the JSON API
(`Floor`, `Pipeline`, `Assistant`), so the console cannot do what the API would refuse.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from cxops.api.deps import ContainerDep
from cxops.assist.service import Assistance
from cxops.bootstrap import Container
from cxops.domain.assist import FeedbackAction
from cxops.domain.conversations import ConversationStatus, MessageRole, Outcome
from cxops.domain.errors import BusinessRuleError, InvalidInputError, NotFoundError
from cxops.domain.ids import ConversationId, SuggestionId
from cxops.domain.routing import Handoff
from cxops.domain.workforce import Agent, AgentStatus
from cxops.floor import Desk
from cxops.governance.roles import Permission, allows
from cxops.pipeline import ConversationView, NewMessage
from cxops.web import csrf, live
from cxops.web.pages import PREFIX, PageError, csrf_checked, fragment, page, render
from cxops.web.session import Viewer, csrf_token

router = APIRouter(prefix=f"{PREFIX}/workspace", include_in_schema=False)

Handler = Annotated[Viewer, Depends(page(Permission.CONVERSATIONS_WRITE))]
Checked = [Depends(csrf_checked)]

HOME = f"{PREFIX}/workspace"
CLOSING_OUTCOMES = (Outcome.RESOLVED, Outcome.UNRESOLVED, Outcome.ABANDONED)
_SETTABLE = (AgentStatus.AVAILABLE, AgentStatus.AWAY, AgentStatus.OFFLINE)


def _agent(container: Container, who: Viewer) -> Agent | None:
    """The agent record the viewer works as, if their account is linked to one."""
    if who.user_id is None:
        return None
    with container.uow() as uow:
        return uow.workforce.agent_for_user(who.user_id)


def _linked_agent(container: Container, who: Viewer) -> Agent:
    found = _agent(container, who)
    if found is None:
        raise PageError(
            409,
            "Not linked to an agent",
            "Your account does not work as an agent yet. An administrator links it with "
            "`cxops users link --email <your email> --agent <agent id>`.",
        )
    return found


def _desk_context(desk: Desk) -> dict[str, object]:
    return {"desk": desk, "statuses": _SETTABLE}


@router.get("", response_class=HTMLResponse)
def workspace(request: Request, container: ContainerDep, who: Handler) -> HTMLResponse:
    """My status, the conversations I hold and what waits in my queues (kept live)."""
    agent = _agent(container, who)
    desk = None if agent is None else container.floor.desk(agent.id)
    return render(
        request,
        "workspace.html",
        who=who,
        desk=desk,
        statuses=_SETTABLE,
        notice=request.query_params.get("notice", ""),
    )


@router.get("/events")
def desk_events(request: Request, container: ContainerDep, who: Handler) -> Response:
    """The desk, re-sent whenever a conversation is assigned, waits or leaves."""
    agent = _linked_agent(container, who)

    def fragments(_: Viewer) -> Mapping[str, str]:
        desk = container.floor.desk(agent.id)
        return {"desk": fragment("workspace_desk.html", **_desk_context(desk))}

    return live.for_viewer(request, container, Permission.CONVERSATIONS_WRITE, fragments, every=1.0)


@router.post("/status", dependencies=Checked)
def set_status(
    container: ContainerDep, who: Handler, status: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Become available (and be given waiting work at once), away or offline."""
    agent = _linked_agent(container, who)
    try:
        chosen = AgentStatus(status)
    except ValueError:
        chosen = None
    if chosen not in _SETTABLE:
        raise PageError(422, "Unknown status", f"status must be one of: {_names(_SETTABLE)}.")
    assert chosen is not None
    container.floor.set_agent_status(agent.id, status=chosen)
    return RedirectResponse(HOME, status_code=303)


@router.post("/next", dependencies=Checked)
def take_next(container: ContainerDep, who: Handler) -> RedirectResponse:
    """Take the next waiting conversation I can serve, in the policy's serving order."""
    agent = _linked_agent(container, who)
    try:
        taken = container.floor.take_next(agent.id)
    except BusinessRuleError as exc:
        return RedirectResponse(f"{HOME}?notice={exc.code}", status_code=303)
    if taken is None:
        return RedirectResponse(f"{HOME}?notice=nothing-waiting", status_code=303)
    return RedirectResponse(f"{HOME}/{taken.id}", status_code=303)


@dataclass(frozen=True, slots=True)
class _Opened:
    view: ConversationView
    agent: Agent | None


def _opened(container: Container, who: Viewer, conversation_id: str) -> _Opened:
    """The conversation, if the viewer may work on it: an agent only on their own, a supervising
    role on any."""
    try:
        view = container.pipeline.conversation(ConversationId(conversation_id))
    except NotFoundError as exc:
        raise PageError(404, "No such conversation", exc.message) from exc
    agent = _agent(container, who)
    mine = agent is not None and view.conversation.assigned_agent_id == agent.id
    if not mine and not allows(who.role, Permission.METRICS_READ):
        raise PageError(
            403,
            "Not your conversation",
            "This conversation is not assigned to you. Take work from your queue with "
            "'Take next'; a supervisor can reassign it.",
        )
    return _Opened(view=view, agent=agent)


def _handoff(container: Container, conversation_id: ConversationId) -> Handoff | None:
    try:
        return container.floor.handoff(conversation_id)
    except NotFoundError:
        return None


@router.get("/{conversation_id}", response_class=HTMLResponse)
def conversation(
    conversation_id: str, request: Request, container: ContainerDep, who: Handler
) -> HTMLResponse:
    """One conversation with the handoff packet, the customer's context (masked for the role),
    and the assist panel; the transcript is kept live."""
    opened = _opened(container, who, conversation_id)
    cid = opened.view.conversation.id
    context = (
        container.assistant.context(cid, viewer=who.role)
        if allows(who.role, Permission.CUSTOMERS_READ)
        else None
    )
    return render(
        request,
        "workspace_conversation.html",
        who=who,
        view=opened.view,
        handoff=_handoff(container, cid),
        context=context,
        composer=_composer(request, opened.view, text="", suggestion=None),
        outcomes=CLOSING_OUTCOMES,
    )


@router.get("/{conversation_id}/events")
def conversation_events(
    conversation_id: str, request: Request, container: ContainerDep, who: Handler
) -> Response:
    """The transcript as messages arrive, the conversation's state, and a `suggest` event
    carrying the latest customer message id, on which the assist panel reloads."""
    cid = _opened(container, who, conversation_id).view.conversation.id

    def fragments(_: Viewer) -> Mapping[str, str]:
        view = container.pipeline.conversation(cid)
        customer = [m for m in view.messages if m.role is MessageRole.CUSTOMER]
        return {
            "transcript": fragment("workspace_transcript.html", view=view),
            "state": fragment("workspace_state.html", view=view),
            "suggest": customer[-1].id if customer else "",
        }

    return live.for_viewer(request, container, Permission.CONVERSATIONS_WRITE, fragments, every=1.0)


@router.get("/{conversation_id}/assist", response_class=HTMLResponse)
def assist(
    conversation_id: str, request: Request, container: ContainerDep, who: Handler
) -> HTMLResponse:
    """Reply drafts for the latest customer message, ranked, with next-best-actions, compliance
    reminders and de-escalation phrases. Every draft shown is recorded, as through the API."""
    opened = _opened(container, who, conversation_id)
    shown: Assistance | None = None
    problem = ""
    try:
        shown = container.assistant.assist(opened.view.conversation.id)
    except BusinessRuleError as exc:
        problem = exc.message
    return HTMLResponse(
        fragment(
            "workspace_assist.html",
            view=opened.view,
            shown=shown,
            problem=problem,
            csrf_field=csrf.FIELD,
            csrf_token=csrf_token(request.session),
        )
    )


@router.get("/{conversation_id}/composer", response_class=HTMLResponse)
def composer(
    conversation_id: str,
    request: Request,
    container: ContainerDep,
    who: Handler,
    suggestion: str = "",
) -> HTMLResponse:
    """The reply box, filled with a suggestion's draft when the agent chose one."""
    opened = _opened(container, who, conversation_id)
    chosen = _suggestion_text(container, opened.view, suggestion) if suggestion else None
    return HTMLResponse(
        _composer(
            request,
            opened.view,
            text="" if chosen is None else chosen,
            suggestion=suggestion if chosen is not None else None,
        )
    )


def _suggestion_text(container: Container, view: ConversationView, suggestion: str) -> str | None:
    """The draft's text, if it is one shown for this conversation."""
    with container.uow() as uow:
        found = uow.suggestions.get(SuggestionId(suggestion))
    if found is None or found.conversation_id != view.conversation.id:
        return None
    return found.text


def _composer(
    request: Request,
    view: ConversationView,
    *,
    text: str,
    suggestion: str | None,
    error: str = "",
) -> str:
    """The reply form, with a fresh nonce each time it is drawn."""
    return fragment(
        "workspace_composer.html",
        view=view,
        text=text,
        suggestion=suggestion,
        nonce=secrets.token_urlsafe(12),
        error=error,
        csrf_field=csrf.FIELD,
        csrf_token=csrf_token(request.session),
    )


@router.post("/{conversation_id}/reply", dependencies=Checked, response_class=HTMLResponse)
def reply(
    conversation_id: str,
    request: Request,
    container: ContainerDep,
    who: Handler,
    text: Annotated[str, Form()] = "",
    suggestion: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Send the agent's reply (stored, like every message, before the answer), and record what
    became of the suggestion it started from: accepted if sent as drafted, edited otherwise. The
    form's nonce is the idempotency key, so a double submit sends one message."""
    opened = _opened(container, who, conversation_id)
    cid = opened.view.conversation.id
    try:
        container.pipeline.post_message(
            cid,
            NewMessage(text=text, role=MessageRole.AGENT),
            idempotency_key=f"console-{nonce}" if nonce else None,
        )
    except (InvalidInputError, BusinessRuleError) as exc:
        return HTMLResponse(
            _composer(
                request, opened.view, text=text, suggestion=suggestion or None, error=exc.message
            ),
            status_code=422 if isinstance(exc, InvalidInputError) else 409,
        )
    drafted = _suggestion_text(container, opened.view, suggestion) if suggestion else None
    if drafted is not None:
        _record_feedback(container, who, suggestion, drafted=drafted, sent=text)
    view = container.pipeline.conversation(cid)
    return HTMLResponse(
        _composer(request, view, text="", suggestion=None)
        + fragment("workspace_transcript.html", view=view, oob=True)
    )


def _record_feedback(
    container: Container, who: Viewer, suggestion: str, *, drafted: str, sent: str
) -> None:
    action = FeedbackAction.ACCEPTED if sent.strip() == drafted.strip() else FeedbackAction.EDITED
    try:
        container.assistant.feedback(
            SuggestionId(suggestion),
            action=action,
            final_text=sent if action is FeedbackAction.EDITED else None,
            reason="",
            given_by=_given_by(who),
        )
    except BusinessRuleError:
        return  # feedback already given for this draft (a retried send): keep the first


@router.post(
    "/{conversation_id}/suggestions/{suggestion_id}/ignore",
    dependencies=Checked,
    response_class=HTMLResponse,
)
def ignore(
    conversation_id: str,
    suggestion_id: str,
    container: ContainerDep,
    who: Handler,
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Mark a draft as not used, with an optional reason, so acceptance figures stay honest."""
    opened = _opened(container, who, conversation_id)
    if _suggestion_text(container, opened.view, suggestion_id) is None:
        raise PageError(404, "No such suggestion", f"suggestion {suggestion_id} was not shown here")
    try:
        container.assistant.feedback(
            SuggestionId(suggestion_id),
            action=FeedbackAction.IGNORED,
            final_text=None,
            reason=reason,
            given_by=_given_by(who),
        )
    except BusinessRuleError as exc:
        return HTMLResponse(f'<p class="muted">{escape(exc.message)}</p>', status_code=409)
    return HTMLResponse('<p class="muted">Ignored.</p>')


@router.post("/{conversation_id}/close", dependencies=Checked)
def close(
    conversation_id: str,
    container: ContainerDep,
    who: Handler,
    outcome: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Close with an outcome; QA scores it and the freed capacity goes to the next waiting."""
    opened = _opened(container, who, conversation_id)
    try:
        chosen = Outcome(outcome)
    except ValueError:
        chosen = None
    if chosen not in CLOSING_OUTCOMES:
        raise PageError(
            422, "Choose an outcome", f"outcome must be one of: {_names(CLOSING_OUTCOMES)}."
        )
    assert chosen is not None
    if opened.view.conversation.status is ConversationStatus.CLOSED:
        raise PageError(409, "Already closed", "This conversation was closed already.")
    container.pipeline.close(opened.view.conversation.id, outcome=chosen)
    return RedirectResponse(f"{HOME}?notice=closed", status_code=303)


def _given_by(who: Viewer) -> str:
    return who.user_id or f"console:{who.name}"


def _names(values: tuple[AgentStatus, ...] | tuple[Outcome, ...]) -> str:
    return ", ".join(v.value for v in values)

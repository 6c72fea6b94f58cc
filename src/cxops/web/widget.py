"""The customer chat widget: the chat a retailer embeds on its site (one script tag adds a button
that opens it in a frame), and a demo retailer page to try it on.

The visitor is anonymous. Their conversation is named by a cookie of its own, signed with the
console secret and holding only the conversation id and the CSRF token of the widget's forms;
nothing else about them is kept in the browser. Messages go through the same `Pipeline` as
`POST /v1/conversations/{id}/messages` (so triage, routing, the bot and handoff behave exactly
as over the API), each form's nonce being the idempotency key. What the customer sees is read
from the stored record, the same for the answer to their message and for the live stream that
brings an agent's replies: the messages of the customer, the bot and the agents (as stored, so
redacted), and where the conversation stands; never triage, decisions or anything internal.
"""

import hashlib
import html
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

import cxops
from cxops.api.deps import ContainerDep
from cxops.bootstrap import Container
from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from cxops.domain.errors import (
    BusinessRuleError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import ConversationId
from cxops.pipeline import ConversationView, NewConversation, NewMessage
from cxops.settings import Settings
from cxops.web import csrf, live
from cxops.web.pages import fragment
from cxops.web.secret import console_secret

__all__ = [
    "COOKIE",
    "Line",
    "Notice",
    "Visit",
    "chat_markup",
    "customer_lines",
    "headers",
    "notice_for",
    "over_rate",
    "seal",
    "unseal",
]

PREFIX = "/widget"
COOKIE = "cxops_widget"
SUBJECT = "Website chat"
COOKIE_HOURS = 24  # a visit; a customer back the next day starts a new conversation
RATE_WINDOW = timedelta(minutes=1)
_SALT = "cxops.widget"
_MAX_NONCE = 128
_CLOSED = "conversation_closed"  # the pipeline's code for a message to a closed conversation
_SHOWN = (MessageRole.CUSTOMER, MessageRole.BOT, MessageRole.AGENT)


def _enabled(container: ContainerDep) -> None:
    if not container.settings.widget_enabled:
        raise HTTPException(status_code=404)


router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(_enabled)])


# -- the cookie -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visit:
    """What the widget cookie holds: the CSRF token of this browser's widget forms and, once
    the customer wrote, their conversation."""

    token: str
    conversation_id: ConversationId | None = None


def seal(visit: Visit, *, secret: str) -> str:
    """`visit` signed and timestamped, for the cookie."""
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(
        {"t": visit.token, "c": visit.conversation_id}
    )


def unseal(value: str | None, *, secret: str, max_age_seconds: int) -> Visit | None:
    """The visit in a cookie value, or None if there is none, it was not signed with `secret`,
    it is older than `max_age_seconds`, or it does not hold what `seal` writes."""
    if not value:
        return None
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(value, max_age=max_age_seconds)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    token, conversation = data.get("t"), data.get("c")
    if not isinstance(token, str) or not token:
        return None
    if conversation is not None and not isinstance(conversation, str):
        return None
    return Visit(
        token=token, conversation_id=None if conversation is None else ConversationId(conversation)
    )


def _visit(request: Request, settings: Settings) -> Visit | None:
    return unseal(
        request.cookies.get(COOKIE),
        secret=console_secret(settings),
        max_age_seconds=COOKIE_HOURS * 3600,
    )


def _keep(response: Response, visit: Visit, settings: Settings) -> None:
    """Set (and so renew) the widget cookie. In a retailer's page the widget is a third-party
    frame, where only a `SameSite=None; Secure` cookie is sent, and browsers that block
    third-party cookies still keep a partitioned one (one jar per embedding site); over plain
    HTTP (local and demo use, same site) it is `Lax`."""
    cross_site = settings.console_https
    response.set_cookie(
        COOKIE,
        seal(visit, secret=console_secret(settings)),
        max_age=COOKIE_HOURS * 3600,
        path=PREFIX,
        httponly=True,
        secure=cross_site,
        samesite="none" if cross_site else "lax",
        partitioned=cross_site,
    )


# -- what the customer sees -------------------------------------------------------------------


def headers(origins: Sequence[str]) -> dict[str, str]:
    """Security headers of widget pages: the console's policy (scripts and styles from this
    origin only, nothing inline), except that the sites in `origins` may frame them."""
    ancestors = " ".join(["'self'", *origins])
    return {
        "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=True)
    linked = _LINK.sub(r'<a href="\2" target="_blank" rel="noopener noreferrer">\1</a>', escaped)
    return _BOLD.sub(r"<strong>\1</strong>", linked)


def chat_markup(text: str) -> Markup:
    """The light markdown the bot writes for chat (see `cxops.selfservice.channels`) as HTML:
    paragraphs at blank lines, "- " lines as a list, `**bold**`, and `[text](url)` links to
    http(s) URLs only. Everything else is escaped, so no text can inject markup."""
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        items: list[str] = []
        lines: list[str] = []
        for line in block.splitlines():
            if line.startswith("- "):
                items.append(f"<li>{_inline(line[2:])}</li>")
                continue
            if items:
                lines.append(f"<ul>{''.join(items)}</ul>")
                items = []
            lines.append(f"<p>{_inline(line)}</p>")
        if items:
            lines.append(f"<ul>{''.join(items)}</ul>")
        blocks.append("".join(lines))
    return Markup("".join(blocks))


def _plain(text: str) -> Markup:
    """Text the customer or an agent typed: escaped, one paragraph per line."""
    return Markup("".join(f"<p>{html.escape(line)}</p>" for line in text.strip().splitlines()))


@dataclass(frozen=True, slots=True)
class Line:
    """One message as the customer sees it."""

    role: str
    who: str
    html: Markup


def customer_lines(messages: Sequence[Message], *, brand: str) -> list[Line]:
    """The messages the customer may read, oldest first: theirs, the bot's and the agents'.
    Anything else stored on the conversation (system lines) is left out."""
    names = {
        MessageRole.CUSTOMER: "You",
        MessageRole.BOT: f"{brand} assistant",
        MessageRole.AGENT: f"{brand} team",
    }
    return [
        Line(
            role=m.role.value,
            who=names[m.role],
            html=chat_markup(m.text) if m.role is MessageRole.BOT else _plain(m.text),
        )
        for m in messages
        if m.role in _SHOWN
    ]


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    text: str


def notice_for(conversation: Conversation, *, queue_name: str | None) -> Notice | None:
    """Where the conversation stands, when the customer needs telling: waiting for a person,
    with one, or closed."""
    status = conversation.status
    if status is ConversationStatus.QUEUED:
        where = f" for {queue_name}" if queue_name else ""
        return Notice("queued", f"You're in the queue{where}; a person will answer here.")
    if status is ConversationStatus.ASSIGNED:
        team = f" from {queue_name}" if queue_name else ""
        return Notice("assigned", f"A person{team} has your conversation and will answer here.")
    if status is ConversationStatus.CLOSED:
        return Notice("closed", "This conversation is closed. Thank you for writing to us.")
    return None


def over_rate(sent_at: Sequence[datetime], *, now: datetime, per_minute: int) -> bool:
    """Whether one more message at `now` would make more than `per_minute` in the minute before
    it, given when the conversation's earlier customer messages were sent."""
    since = now - RATE_WINDOW
    return sum(1 for at in sent_at if at > since) >= per_minute


# -- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Form:
    """What the composer shows again: the text as sent, and why it was refused."""

    text: str = ""
    error: str = ""
    field: str = ""
    focus: bool = False


def _limit(settings: Settings) -> int:
    """The longest widget message: the widget's own limit, within the API's."""
    return min(settings.widget_max_message_chars, settings.max_message_chars)


def _brand(container: Container) -> str:
    with container.uow() as uow:
        return container.floor.policies.active(uow).policy.selfservice.brand


def _queue_name(container: Container, conversation: Conversation) -> str | None:
    if conversation.queue_id is None:
        return None
    with container.uow() as uow:
        queue = uow.workforce.get_queue(conversation.queue_id)
    return None if queue is None else queue.name


def _transcript(
    container: Container, view: ConversationView | None, *, brand: str
) -> dict[str, Any]:
    """What the transcript template needs; `view` None before the first message."""
    if view is None:
        return {"brand": brand, "lines": [], "notice": None, "closed": False}
    conversation = view.conversation
    return {
        "brand": brand,
        "lines": customer_lines(view.messages, brand=brand),
        "notice": notice_for(conversation, queue_name=_queue_name(container, conversation)),
        "closed": conversation.status is ConversationStatus.CLOSED,
    }


def _chat(
    container: Container,
    visit: Visit,
    view: ConversationView | None,
    *,
    form: _Form,
) -> dict[str, Any]:
    """The context of the chat: transcript and composer, with a fresh nonce in the form."""
    return {
        **_transcript(container, view, brand=_brand(container)),
        "live": view is not None,
        "csrf_field": csrf.FIELD,
        "csrf_token": visit.token,
        "nonce": secrets.token_urlsafe(16),
        "form": form,
        "max_chars": _limit(container.settings),
        "version": cxops.__version__,
    }


def _answer(
    request: Request,
    container: Container,
    visit: Visit,
    view: ConversationView | None,
    *,
    form: _Form = _Form(),
    status: int = 200,
) -> HTMLResponse:
    """The chat for an HTMX request, the whole page otherwise (a browser without scripts
    posts the form itself); the cookie is renewed either way."""
    template = "widget_chat.html" if request.headers.get("HX-Request") else "widget.html"
    response = HTMLResponse(
        fragment(template, **_chat(container, visit, view, form=form)),
        status_code=status,
        headers=headers(container.settings.widget_origins),
    )
    _keep(response, visit, container.settings)
    return response


def _view(container: Container, visit: Visit) -> ConversationView | None:
    """The visit's conversation, or None if it has none (or it is gone, e.g. erased)."""
    if visit.conversation_id is None:
        return None
    try:
        return container.pipeline.conversation(visit.conversation_id)
    except NotFoundError:
        return None


def _idempotency_key(visit: Visit, nonce: str) -> str:
    """The form's nonce, bound to this browser's CSRF token so that no other visitor, even one
    who saw the nonce, can name the same key and be handed this conversation."""
    digest = hashlib.sha256(f"{visit.token}\n{nonce}".encode()).hexdigest()
    return f"widget-{digest}"


# -- routes -----------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def chat(request: Request, container: ContainerDep) -> HTMLResponse:
    """The chat, meant to be shown in a frame: the conversation so far, kept live, and the box
    to write in."""
    visit = _visit(request, container.settings) or Visit(token=csrf.new_token())
    view = _view(container, visit)
    if view is None and visit.conversation_id is not None:
        visit = Visit(token=visit.token)
    return _answer(request, container, visit, view)


@router.post("/messages", response_class=HTMLResponse)
def send(
    request: Request,
    container: ContainerDep,
    text: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
    token: Annotated[str, Form(alias=csrf.FIELD)] = "",
) -> HTMLResponse:
    """Send the customer's message: the first one opens the conversation. The answer carries
    the bot's replies; a refused message is shown again with the reason, and nothing is
    stored."""
    settings = container.settings
    found = _visit(request, settings)
    visit = found or Visit(token=csrf.new_token())
    view = _view(container, visit)
    if view is None and visit.conversation_id is not None:
        visit = Visit(token=visit.token)

    def refuse(status: int, error: str, *, field: str = "") -> HTMLResponse:
        form = _Form(text=text, error=error, field=field, focus=True)
        return _answer(request, container, visit, _view(container, visit), form=form, status=status)

    if found is None or not csrf.token_matches(found.token, token):
        return refuse(
            403,
            "This chat expired, or your browser did not keep its cookie. Nothing was sent: "
            "send your message again.",
        )
    if not nonce or len(nonce) > _MAX_NONCE:
        return refuse(400, "This form is incomplete. Reload the chat and try again.")
    limit = _limit(settings)
    if not text.strip():
        return refuse(422, "Write a message first.", field="text")
    if len(text) > limit:
        return refuse(
            422,
            f"Your message is {len(text)} characters long; the limit is {limit}.",
            field="text",
        )
    if view is not None:
        sent_at = [m.created_at for m in view.messages if m.role is MessageRole.CUSTOMER]
        now = container.clock.now()
        if over_rate(sent_at, now=now, per_minute=settings.widget_messages_per_minute):
            return refuse(
                429,
                "You're sending messages faster than we can read them. Wait a minute, then "
                "send this one again.",
            )
    key = _idempotency_key(visit, nonce)
    try:
        if visit.conversation_id is None:
            started = container.pipeline.start_conversation(
                NewConversation(channel=Channel.CHAT, subject=SUBJECT), idempotency_key=key
            )
            visit = Visit(token=visit.token, conversation_id=started.conversation.id)
        assert visit.conversation_id is not None
        container.pipeline.post_message(
            visit.conversation_id,
            NewMessage(text=text, role=MessageRole.CUSTOMER),
            idempotency_key=key,
        )
    except InvalidInputError as exc:
        return refuse(422, f"Your message {exc.message}.", field="text")
    except BusinessRuleError as exc:
        if exc.code == _CLOSED:
            return refuse(409, "This conversation is closed; start a new chat to write again.")
        return refuse(409, "We could not take that message just now. Send it again in a moment.")
    except IdempotencyConflictError:
        return refuse(409, "This form was already used for another message. Send it again.")
    return _answer(request, container, visit, _view(container, visit), form=_Form(focus=True))


@router.post("/restart", response_class=HTMLResponse)
def restart(
    request: Request,
    container: ContainerDep,
    token: Annotated[str, Form(alias=csrf.FIELD)] = "",
) -> HTMLResponse:
    """Leave the conversation (a closed one, typically): the next message starts a new one."""
    found = _visit(request, container.settings)
    if found is None or not csrf.token_matches(found.token, token):
        visit = found or Visit(token=csrf.new_token())
        return _answer(
            request,
            container,
            visit,
            _view(container, visit),
            form=_Form(error="This chat expired. Nothing was changed: try again."),
            status=403,
        )
    return _answer(request, container, Visit(token=found.token), None, form=_Form(focus=True))


@router.get("/events")
def events(request: Request, container: ContainerDep) -> Response:
    """The transcript, re-sent whenever it changes (an agent's reply, the handoff, the close),
    for as long as the cookie names a conversation."""
    raw = request.cookies.get(COOKIE)
    brand = _brand(container)

    def tick() -> Mapping[str, str] | None:
        visit = unseal(
            raw, secret=console_secret(container.settings), max_age_seconds=COOKIE_HOURS * 3600
        )
        if visit is None:
            return None
        view = _view(container, visit)
        if view is None:
            return None
        return {
            "transcript": fragment(
                "widget_transcript.html",
                **_transcript(container, view, brand=brand),
                csrf_field=csrf.FIELD,
                csrf_token=visit.token,
                oob=True,
            )
        }

    return live.stream(request, tick, every=1.0)


@cache
def _embed_script() -> bytes:
    return (files("cxops.web") / "static" / "widget-embed.js").read_bytes()


@router.get("/embed.js")
def embed() -> Response:
    """The script a retailer includes on its pages: a chat button that opens the widget."""
    return Response(
        _embed_script(),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/demo", response_class=HTMLResponse)
def demo(request: Request, container: ContainerDep) -> HTMLResponse:
    """A stand-in for a retailer's page, with the widget embedded as a retailer would."""
    return HTMLResponse(
        fragment(
            "widget_demo.html",
            brand=_brand(container),
            origin=str(request.base_url).rstrip("/"),
            version=cxops.__version__,
        ),
        headers=headers(container.settings.widget_origins),
    )

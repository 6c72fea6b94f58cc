"""What every console page shares: rendering, the navigation each role sees, and the checks a
page makes before it shows anything (signed in, role allowed, CSRF token on forms)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.templating import Jinja2Templates

import cxops
from cxops.api.deps import ContainerDep
from cxops.bootstrap import Container
from cxops.governance.roles import Permission, allows
from cxops.web import csrf
from cxops.web.session import Viewer, csrf_token, viewer

PREFIX = "/console"
SIGN_IN = f"{PREFIX}/sign-in"

_templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("cxops.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)

# Pages carry personal data: no caching, no framing, scripts and styles from this origin only
# (nothing inline, so an injected <script> would not run even if escaping failed).
_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    path: str
    permission: Permission


NAV = (
    NavItem("Dashboard", f"{PREFIX}/dashboard", Permission.METRICS_READ),
    NavItem("Workspace", f"{PREFIX}/workspace", Permission.CONVERSATIONS_WRITE),
    NavItem("Quality", f"{PREFIX}/qa", Permission.METRICS_READ),
    NavItem("Decisions", f"{PREFIX}/decisions", Permission.DECISIONS_READ),
    NavItem("Policies", f"{PREFIX}/policies", Permission.POLICIES_READ),
)


def nav_for(who: Viewer) -> list[NavItem]:
    """The pages `who`'s role may open, in menu order."""
    return [item for item in NAV if allows(who.role, item.permission)]


def render(
    request: Request,
    template: str,
    *,
    who: Viewer | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `template` in the console layout, with its security headers."""
    return _templates.TemplateResponse(
        request,
        template,
        {
            "who": who,
            "nav": [] if who is None else nav_for(who),
            "csrf_field": csrf.FIELD,
            "csrf_token": csrf_token(request.session),
            "version": cxops.__version__,
            **context,
        },
        status_code=status,
        headers=_HEADERS,
    )


def fragment(template: str, **context: Any) -> str:
    """`template` rendered on its own, for a live update or an HTMX swap."""
    return _templates.env.get_template(template).render(context)


class SignInRequiredError(Exception):
    """Nobody (or nobody who still may) is signed in; they are sent to the sign-in page."""


class PageError(Exception):
    """A page that cannot be shown, rendered as an error page with `status`."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def signed_in(request: Request, container: ContainerDep) -> Viewer:
    """The signed-in viewer, or `SignInRequiredError`."""
    with container.uow() as uow:
        found = viewer(uow, request.session)
    if found is None:
        raise SignInRequiredError
    return found


SignedIn = Annotated[Viewer, Depends(signed_in)]


def page(permission: Permission) -> Callable[..., Viewer]:
    """A dependency: the signed-in viewer, whose role must grant `permission` (else 403)."""

    def dependency(who: SignedIn) -> Viewer:
        if not allows(who.role, permission):
            raise PageError(
                403,
                "Not for your role",
                f"The {who.role.value} role may not open this page: it needs the "
                f"{permission.value} permission.",
            )
        return who

    return dependency


async def csrf_checked(request: Request) -> None:
    """A dependency for every form POST: the form must send back the session's CSRF token."""
    form = await request.form()
    given = form.get(csrf.FIELD)
    sent = given if isinstance(given, str) else None
    if not csrf.token_matches(csrf_token(request.session), sent):
        raise PageError(
            403,
            "Form expired",
            "This form was not sent from the page cxops gave you, or your session changed "
            "since (for example, you signed out elsewhere). Nothing was done: reload the page "
            "and try again.",
        )


def install_page_errors(app: FastAPI) -> None:
    """Show console errors as pages, not JSON: sign-in redirects and the error page."""

    async def on_sign_in_required(request: Request, _: Exception) -> Response:
        target = request.url.path
        if request.url.query:
            target = f"{target}?{request.url.query}"
        return RedirectResponse(f"{SIGN_IN}?{urlencode({'next': target})}", status_code=303)

    async def on_page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        container = request.app.state.container
        assert isinstance(container, Container)
        with container.uow() as uow:
            who = viewer(uow, request.session)
        return render(
            request,
            "error.html",
            who=who,
            status=exc.status,
            title=exc.title,
            message=exc.message,
        )

    app.add_exception_handler(SignInRequiredError, on_sign_in_required)
    app.add_exception_handler(PageError, on_page_error)

"""Signing in (a user's email and password, or an API key) and out of the console."""

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxops.api.deps import ContainerDep
from cxops.domain.errors import AuthenticationError
from cxops.governance.api_keys import authenticate
from cxops.governance.users import authenticate_user
from cxops.web import session
from cxops.web.pages import PREFIX, SIGN_IN, SignedIn, csrf_checked, nav_for, render

log = structlog.get_logger("cxops.web")

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _safe_next(target: str) -> str:
    """Where to go after signing in: a console path only, so a crafted link cannot send a
    person who just signed in off to another site."""
    if target.startswith(f"{PREFIX}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "sign_in.html", who=None, next=_safe_next(next), error=None)


@router.post("/sign-in", dependencies=[Depends(csrf_checked)])
def sign_in(
    request: Request,
    container: ContainerDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    api_key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the credentials and start a session; the same form again, with 401, if wrong."""
    token = api_key.strip()
    method = "api_key" if token else "password"
    try:
        with container.uow() as uow:
            if token:
                role = authenticate(uow, token).role
                session.begin_for_key(request.session, token.split("_")[1])
            else:
                user = authenticate_user(uow, email=email, password=password)
                role = user.role
                session.begin_for_user(request.session, user.id)
            uow.commit()  # a password hash upgraded on the way in
    except AuthenticationError as exc:
        log.info("console.sign_in.refused", method=method)
        return render(
            request,
            "sign_in.html",
            who=None,
            status=401,
            next=_safe_next(next),
            error=exc.message,
            email=email,
        )
    log.info("console.sign_in.succeeded", method=method, role=role.value)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/sign-out", dependencies=[Depends(csrf_checked)])
def sign_out(request: Request) -> RedirectResponse:
    """End the session."""
    session.end(request.session)
    return RedirectResponse(SIGN_IN, status_code=303)


@router.get("/")
def home(who: SignedIn) -> RedirectResponse:
    """The first page the viewer's role may open (every role may read decisions)."""
    return RedirectResponse(nav_for(who)[0].path, status_code=303)

"""The console: server-rendered pages (Jinja2 + HTMX) for the people on the floor, served by the
API's own app under `/console`, with every asset vendored in `static/`."""

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from cxops.settings import Settings
from cxops.web import dashboard, decisions, policies, quality, sign_in, widget, workspace
from cxops.web.pages import PREFIX, install_page_errors
from cxops.web.secret import console_secret

__all__ = ["install_console"]

SESSION_HOURS = 12  # a working shift; the cookie is signed with a timestamp and expires after


def install_console(app: FastAPI, settings: Settings) -> None:
    """Mount the console on `app`: its pages, static assets, sessions and error pages."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=console_secret(settings),
        session_cookie="cxops_console",
        max_age=SESSION_HOURS * 3600,
        path=PREFIX,
        same_site="lax",
        https_only=settings.console_https,
    )
    install_page_errors(app)
    app.include_router(sign_in.router)
    app.include_router(decisions.router)
    app.include_router(dashboard.router)
    app.include_router(workspace.router)
    app.include_router(quality.router)
    app.include_router(policies.router)
    app.include_router(widget.router)
    app.mount(f"{PREFIX}/static", StaticFiles(packages=[("cxops.web", "static")]), name="static")

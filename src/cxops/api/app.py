"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

import cxops
from cxops.api.errors import install_error_handlers
from cxops.api.metrics import install_metrics
from cxops.api.middleware import AccessLogMiddleware, BodyLimitMiddleware
from cxops.api.routes import (
    approvals,
    assist,
    conversations,
    customers,
    floor,
    health,
    kpis,
    monitoring,
    quality,
    trace,
    triage,
    webhooks,
)
from cxops.bootstrap import Container, bootstrap
from cxops.logs import configure_logging
from cxops.settings import load_settings
from cxops.web import install_console


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Make sure a routing policy is active, build assist's knowledge index, and run the webhook
    dispatcher and the monitor (which also scores what closed unscored) while the server runs,
    if enabled; stop them and release the container's workers and connections on shutdown."""
    container = app.state.container
    assert isinstance(container, Container)
    container.floor.ensure_policy()
    container.assistant.warm_up()
    background = container.background_webhooks() if container.settings.webhook_dispatcher else None
    monitor = container.background_monitor()
    for job in (background, monitor):
        if job is not None:
            job.start()
    try:
        yield
    finally:
        if monitor is not None:
            monitor.stop(timeout_seconds=container.settings.webhook_timeout_seconds)
        if background is not None:
            background.stop(timeout_seconds=container.settings.webhook_timeout_seconds)
        container.release()


def create_app(container: Container) -> FastAPI:
    """Build the app around an already wired container; holds no state of its own."""
    app = FastAPI(
        lifespan=_lifespan,
        title="cxops",
        version=cxops.__version__,
        description="AI operations layer for retail contact centers. "
        "Authenticate with `Authorization: Bearer <API key>`.",
    )
    app.state.container = container
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit=container.settings.max_body_bytes)
    app.add_middleware(AccessLogMiddleware)
    install_metrics(app, container)
    app.include_router(health.router)
    app.include_router(conversations.router)
    app.include_router(customers.router)
    app.include_router(triage.router)
    app.include_router(webhooks.router)
    app.include_router(floor.router)
    app.include_router(approvals.router)
    app.include_router(assist.router)
    app.include_router(quality.router)
    app.include_router(trace.router)
    app.include_router(kpis.router)
    app.include_router(monitoring.router)

    install_console(app, container.settings)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """People land in the console (which asks them to sign in); the API docs stay at
        /docs, linked from every console page."""
        return RedirectResponse("/console/")

    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` workers: settings come from the environment and the
    `CXOPS_CONFIG` file, as the CLI left them."""
    settings = load_settings()
    configure_logging(settings.log_level)
    container = bootstrap(settings)
    container.pipeline  # noqa: B018 - load the models before the first request, not during it
    return create_app(container)

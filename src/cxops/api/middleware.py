"""ASGI middleware: request-size limit and the access log."""

import time
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxops.api.errors import error_response

log = structlog.get_logger("cxops.api")


class BodyTooLargeError(HTTPException):
    """Raised while the body is read; FastAPI passes HTTPExceptions through unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over `limit` bytes, by Content-Length up front or while streaming."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(self.limit, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLargeError(self.limit)
            return message

        await self.app(scope, limited, send)


async def _too_large(limit: int, send: Send) -> None:
    response = error_response(413, "body_too_large", f"request body is larger than {limit} bytes")
    await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class AccessLogMiddleware:
    """Log one `api.request` event per request: method, route template, status, duration.

    The route template (`/v1/customers`) is logged, never the raw URL, whose query string may
    carry an email address.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = Observed(scope, send)
        try:
            await self.app(scope, receive, seen.send)
        finally:
            log.info(
                "api.request",
                method=scope["method"],
                route=seen.route or "<unmatched>",
                status=seen.status,
                duration_ms=round(seen.seconds * 1000, 2),
            )


class Observed:
    """What a request came to: its response status (500 until a response starts, so a crash
    counts as one), its route template once routing matched, and how long it took."""

    def __init__(self, scope: Scope, send: Send) -> None:
        self._scope = scope
        self._send = send
        self._started = time.perf_counter()
        self.status = 500

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started

    @property
    def route(self) -> str | None:
        """The matched route's path template (`/v1/conversations/{conversation_id}`), never the
        raw path, so logs and metrics stay free of ids and of unbounded label values."""
        route: Any = self._scope.get("route")
        return getattr(route, "path", None)

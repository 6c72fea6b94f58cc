"""Live parts of console pages over server-sent events, for HTMX's SSE extension.

A live stream re-renders its fragments from the database every few seconds and sends each one
that changed as an event named after it; a page swaps it in with
`hx-ext="sse" sse-connect="..." sse-swap="<name>"`. Reading the database, rather than an
in-process bus, is what keeps this right with several server workers: whichever worker took a
message, every stream sees it at its next tick.

A console stream re-reads the viewer every tick, so a user deactivated or a key revoked stops
receiving at once. A stream also ends after `MAX_SECONDS` (the extension reconnects, and the
first events of a new stream carry the whole current state, so nothing is missed) and when the
browser goes away.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from time import monotonic

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from cxops.bootstrap import Container
from cxops.governance.roles import Permission, allows
from cxops.web.session import Viewer, viewer

MAX_SECONDS = 300.0
_HEARTBEAT_SECONDS = 15.0

Tick = Callable[[], Mapping[str, str] | None]
"""Read the current fragments by name, or None when the watcher may no longer watch."""


def event(name: str, html: str) -> str:
    """One SSE event carrying `html`; each line of it becomes a `data:` line."""
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{lines}\n"


def stream(request: Request, tick: Tick, *, every: float) -> StreamingResponse:
    """A `text/event-stream` response sending what `tick` reads (in a worker thread, since it
    reads the database) whenever a fragment changes; `tick` returning None ends it with a
    `signed-out` event."""
    return StreamingResponse(
        _events(request, tick, every=every),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def for_viewer(
    request: Request,
    container: Container,
    permission: Permission,
    fragments: Callable[[Viewer], Mapping[str, str]],
    *,
    every: float,
) -> StreamingResponse:
    """A console stream: `fragments` for the signed-in viewer, whose session and role are
    checked again at every tick."""

    def tick() -> Mapping[str, str] | None:
        with container.uow() as uow:
            who = viewer(uow, request.session)
        if who is None or not allows(who.role, permission):
            return None
        return fragments(who)

    return stream(request, tick, every=every)


async def _events(request: Request, tick: Tick, *, every: float) -> AsyncIterator[str]:
    sent: dict[str, str] = {}
    started = last_write = monotonic()
    while monotonic() - started < MAX_SECONDS and not await request.is_disconnected():
        current = await run_in_threadpool(tick)
        if current is None:
            yield event("signed-out", "")
            return
        changed = [name for name, html in current.items() if sent.get(name) != html]
        for name in changed:
            sent[name] = current[name]
            yield event(name, current[name])
        if changed:
            last_write = monotonic()
        elif monotonic() - last_write > _HEARTBEAT_SECONDS:
            last_write = monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(every)

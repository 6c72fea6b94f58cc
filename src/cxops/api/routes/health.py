"""Liveness and readiness, for load balancers and orchestrators."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from cxops.api.deps import ContainerDep
from cxops.store.migrate import schema_revisions

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(container: ContainerDep) -> JSONResponse:
    """Ready when the database answers and its schema is at the latest migration."""
    try:
        current, head = schema_revisions(container.engine)
    except SQLAlchemyError as exc:
        reason = f"database unreachable: {type(exc).__name__}"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    if current != head:
        reason = f"schema at {current}, expected {head}; run `cxops db upgrade`"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready", "schema": current})

"""Domain errors -> HTTP responses. The only place in cxops where status codes live.

Every error body reads `{"error": {"code", "message", "fields": [{"field", "message"}]}}`.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from cxops.api.schemas import ErrorBody, ErrorOut, FieldError
from cxops.domain.errors import (
    AuthenticationError,
    BusinessRuleError,
    ConnectorUnavailableError,
    DomainError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

log = structlog.get_logger("cxops.api")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in [
        (400, "Malformed request"),
        (401, "Missing or invalid API key"),
        (403, "The key's role does not allow this"),
        (404, "Not found"),
        (409, "Not allowed in the current state"),
        (413, "Request body too large"),
        (422, "Invalid input"),
    ]
}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorOut(error=ErrorBody(code=code, message=message, fields=list(fields)))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _domain_response(exc: DomainError) -> JSONResponse:
    match exc:
        case NotFoundError():
            return error_response(404, "not_found", exc.message)
        case InvalidInputError():
            field = FieldError(field=exc.field, message=exc.message)
            return error_response(422, "invalid_input", exc.message, fields=[field])
        case BusinessRuleError():
            return error_response(409, exc.code, exc.message)
        case IdempotencyConflictError():
            return error_response(422, "idempotency_key_reused", exc.message)
        case AuthenticationError():
            return error_response(
                401, "unauthenticated", exc.message, headers={"WWW-Authenticate": "Bearer"}
            )
        case PermissionDeniedError():
            return error_response(403, "forbidden", exc.message)
        case ConnectorUnavailableError():
            return error_response(503, "order_system_unavailable", exc.message)
    return error_response(400, "bad_request", exc.message)


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if where == "body" and rest else ".".join([where, *rest])
    return ".".join(parts)


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "invalid JSON")
            return error_response(
                400, "malformed_json", f"request body is not valid JSON: {detail}"
            )
    fields = [FieldError(field=_field_name(e["loc"]), message=e["msg"]) for e in errors]
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields)
    return error_response(422, "validation_failed", summary, fields=fields)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping on `app`."""

    async def on_domain_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return _domain_response(exc)

    async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc)

    async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if isinstance(exc.__cause__, UnicodeDecodeError):
            return error_response(400, "malformed_body", "request body is not valid UTF-8")
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status_code, f"http_{exc.status_code}"
        )
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.request.failed", path=request.url.path, error=type(exc).__name__)
        return error_response(500, "internal_error", "internal error; nothing was saved")

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)

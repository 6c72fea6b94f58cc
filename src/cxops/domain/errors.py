"""Domain errors: raised by the core, mapped to HTTP status codes once, in `cxops.api.errors`."""


class DomainError(Exception):
    """Base of every error the core raises on purpose; `message` is safe to show to a caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """A referenced record does not exist."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class InvalidInputError(DomainError):
    """Input that is well-formed but names something impossible; `field` says which input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class BusinessRuleError(DomainError):
    """The request is understood but the rules forbid it now (e.g. cancelling a shipped order).

    `code` is a stable machine-readable reason such as `order_not_cancellable`.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class IdempotencyConflictError(DomainError):
    """An idempotency key was reused for a different request."""


class ConnectorUnavailableError(DomainError):
    """An external system (the order system) gave no usable answer, so the caller should hand
    the case to a person, with this error as context, instead of answering from a guess.

    `operation` names the port method (e.g. `get_order`); `reason` is a stable code:
    `timeout`, `connection_failed`, `server_error` (5xx, 408 or 429 after the retries),
    `circuit_open` (recent calls kept failing, so none is sent for now), `not_configured` (the
    connector's configuration has no endpoint for this operation), `rejected` (the system
    refused cxops's request: bad credentials or a request it could not read) or `bad_response`
    (an answer that does not fit the configured mapping). After a failed write the outcome is
    unknown; repeating it under the same idempotency key is safe. The message holds no personal
    data.
    """

    def __init__(self, operation: str, reason: str, detail: str = "") -> None:
        message = f"the order system is unavailable for {operation} ({reason})"
        super().__init__(f"{message}: {detail}" if detail else message)
        self.operation = operation
        self.reason = reason


class AuthenticationError(DomainError):
    """No valid credentials were presented."""


class PermissionDeniedError(DomainError):
    """The caller is known but their role does not allow this action."""


class DuplicateKeyError(DomainError):
    """A unique key (usually an idempotency key) is already taken; callers replay the original."""

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


class AuthenticationError(DomainError):
    """No valid credentials were presented."""


class PermissionDeniedError(DomainError):
    """The caller is known but their role does not allow this action."""


class DuplicateKeyError(DomainError):
    """A unique key (usually an idempotency key) is already taken; callers replay the original."""

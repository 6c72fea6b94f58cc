"""What each role may do. One table, so a reviewer can read the whole access model at once."""

from collections.abc import Mapping
from enum import StrEnum

from cxops.domain.access import Principal, Role
from cxops.domain.errors import PermissionDeniedError


class Permission(StrEnum):
    APPROVALS_DECIDE = "approvals:decide"
    APPROVALS_READ = "approvals:read"
    CONVERSATIONS_WRITE = "conversations:write"
    CONVERSATIONS_READ = "conversations:read"
    CUSTOMERS_READ = "customers:read"
    DECISIONS_READ = "decisions:read"
    KEYS_MANAGE = "keys:manage"
    METRICS_READ = "metrics:read"
    POLICIES_MANAGE = "policies:manage"
    POLICIES_READ = "policies:read"
    QA_REVIEW = "qa:review"
    QUEUES_READ = "queues:read"
    TRIAGE_RUN = "triage:run"
    WEBHOOKS_MANAGE = "webhooks:manage"
    WORKFORCE_WRITE = "workforce:write"


_READ_WORK = {
    Permission.APPROVALS_READ,
    Permission.CONVERSATIONS_READ,
    Permission.DECISIONS_READ,
    Permission.POLICIES_READ,
    Permission.QUEUES_READ,
}
_HANDLE_WORK = {
    *_READ_WORK,
    Permission.CONVERSATIONS_WRITE,
    Permission.CUSTOMERS_READ,
    Permission.TRIAGE_RUN,
    Permission.WORKFORCE_WRITE,
}

GRANTS: Mapping[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        {*_HANDLE_WORK, Permission.APPROVALS_DECIDE, Permission.METRICS_READ, Permission.QA_REVIEW}
    ),
    Role.AGENT: frozenset(_HANDLE_WORK),
    Role.INTEGRATION: frozenset(_HANDLE_WORK),
    Role.AUDITOR: frozenset({*_READ_WORK, Permission.CUSTOMERS_READ, Permission.METRICS_READ}),
    Role.ANALYST: frozenset(
        {*_READ_WORK, Permission.TRIAGE_RUN, Permission.METRICS_READ, Permission.QA_REVIEW}
    ),
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether `role` grants `permission`; for callers, like the console, that hold a role
    without an API key."""
    return permission in GRANTS[role]


def require(principal: Principal, permission: Permission) -> None:
    """Raise `PermissionDeniedError` unless the principal's role grants `permission`."""
    if not allows(principal.role, permission):
        raise PermissionDeniedError(
            f"role {principal.role.value!r} may not {permission.value.replace(':', ' ')}"
        )

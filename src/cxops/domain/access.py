"""Who may use cxops: users, API keys and their roles."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cxops.domain.ids import ApiKeyId, UserId


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    email: str
    name: str
    role: Role
    created_at: datetime
    active: bool = True


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as stored: only a hash of the secret is kept, `prefix` identifies it to people."""

    id: ApiKeyId
    name: str
    role: Role
    prefix: str
    secret_hash: str
    created_at: datetime
    user_id: UserId | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    key_id: ApiKeyId
    role: Role
    user_id: UserId | None = None

"""API keys: issuing, checking and revoking them.

A key reads `cxk_<prefix>_<secret>`. The prefix finds the stored record; only a SHA-256 of the
secret is kept, so a leaked database does not leak usable keys. A fast hash is enough because the
secret is 256 random bits, not a password.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cxops.domain.access import ApiKey, Principal, Role
from cxops.domain.errors import AuthenticationError, NotFoundError
from cxops.domain.ids import ApiKeyId, UserId, new_id
from cxops.ports import Clock, UnitOfWork

_SCHEME = "cxk"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """The stored record and the one-time plain token to hand to its owner."""

    key: ApiKey
    token: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(
    uow: UnitOfWork, *, clock: Clock, role: Role, name: str, user_id: UserId | None = None
) -> IssuedKey:
    """Create a key in `uow` (the caller commits) and return its token, shown only this once."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        id=ApiKeyId(new_id("key")),
        name=name,
        role=role,
        prefix=prefix,
        secret_hash=_hash(secret),
        created_at=clock.now(),
        user_id=user_id,
    )
    uow.access.add_key(key)
    return IssuedKey(key=key, token=f"{_SCHEME}_{prefix}_{secret}")


def authenticate(uow: UnitOfWork, token: str) -> Principal:
    """Return who `token` belongs to, or raise `AuthenticationError` (never saying which part
    was wrong)."""
    scheme, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != _SCHEME or not prefix or not secret:
        raise AuthenticationError("malformed API key")
    key = uow.access.find_key(prefix)
    if key is None or not key.active or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise AuthenticationError("invalid or revoked API key")
    return Principal(key_id=key.id, role=key.role, user_id=key.user_id)


def revoke_key(uow: UnitOfWork, *, clock: Clock, prefix: str) -> ApiKey:
    """Revoke the key with `prefix` in `uow` (the caller commits); revoking twice is harmless."""
    key = uow.access.find_key(prefix)
    if key is None:
        raise NotFoundError("api key", prefix)
    if key.active:
        uow.access.revoke_key(key.id, at=clock.now())
    return key

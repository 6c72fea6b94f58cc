"""The console session: who is signed in, kept in a cookie signed with the console secret.

The cookie holds only a user id or an API key's prefix, and the CSRF token. Who that is, their
role and whether they may still come in are read from the database on every request, so
deactivating a user or revoking a key ends their console sessions at once.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from cxops.domain.access import Role
from cxops.domain.ids import UserId
from cxops.ports import UnitOfWork
from cxops.web.csrf import new_token

Session = MutableMapping[str, Any]

_USER = "user"
_KEY = "key"
_CSRF = "csrf"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person looking at a console page, as of this request."""

    name: str
    role: Role
    user_id: UserId | None = None


def csrf_token(session: Session) -> str:
    """The session's CSRF token, made on first need (so the sign-in form has one too)."""
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = session[_CSRF] = new_token()
    return token


def begin_for_user(session: Session, user_id: UserId) -> None:
    """Sign a user in (with their password)."""
    _begin(session, _USER, user_id)


def begin_for_key(session: Session, prefix: str) -> None:
    """Sign in whoever holds the API key with `prefix`."""
    _begin(session, _KEY, prefix)


def _begin(session: Session, kind: str, value: str) -> None:
    """Drop everything from before sign-in, the CSRF token included, so nothing planted in an
    anonymous session survives into a signed-in one."""
    session.clear()
    session[kind] = value
    session[_CSRF] = new_token()


def end(session: Session) -> None:
    """Sign out: the cookie is cleared."""
    session.clear()


def viewer(uow: UnitOfWork, session: Session) -> Viewer | None:
    """Who the session belongs to, or None when nobody signed in or they may no longer."""
    user_id, prefix = session.get(_USER), session.get(_KEY)
    if isinstance(user_id, str):
        user = uow.access.get_user(UserId(user_id))
        if user is None or not user.active:
            return None
        return Viewer(name=user.name, role=user.role, user_id=user.id)
    if isinstance(prefix, str):
        key = uow.access.find_key(prefix)
        if key is None or not key.active:
            return None
        return Viewer(name=key.name, role=key.role, user_id=key.user_id)
    return None

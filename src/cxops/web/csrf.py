"""CSRF protection for console forms: one random token per session, sent back by every form.

The session cookie is `SameSite=Lax`, so browsers already leave it off other sites' POSTs; the
token is the second lock, for browsers or set-ups where that fails, and it also guards the
sign-in form, so no other site can sign a visitor in as someone else.
"""

import hmac
import secrets

FIELD = "csrf_token"


def new_token() -> str:
    """A fresh, unguessable token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_matches(expected: str | None, given: str | None) -> bool:
    """Whether a form sent back the session's token; compared in constant time."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())

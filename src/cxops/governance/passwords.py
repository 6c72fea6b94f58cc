"""Passwords for console sign-in, hashed with Argon2id.

Unlike an API key's 256 random bits, a password is guessable, so it gets a slow, memory-hard hash
(argon2-cffi's defaults, the RFC 9106 low-memory profile: 64 MiB, 3 passes, about 0.2 s here)
that makes every guess against a stolen hash expensive. The parameters live inside each hash, so
raising them later upgrades each user's hash at their next sign-in.
"""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cxops.domain.errors import InvalidInputError

MIN_LENGTH = 12
MAX_LENGTH = 1024

_HASHER = PasswordHasher()


@cache
def _decoy() -> str:
    """A hash to verify against when the user is unknown or has no password, so that a wrong
    email takes as long to refuse as a wrong password and timing does not tell which accounts
    exist. Made on first use: hashing at import would slow every CLI command."""
    return _HASHER.hash("cxops decoy password, matches nothing")


def check_strength(password: str) -> None:
    """Refuse a password too short to resist guessing (or absurdly long), saying why."""
    if len(password) < MIN_LENGTH:
        raise InvalidInputError("password", f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInputError("password", f"must be at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    """The Argon2id hash to store (salted: hashing the same password twice differs)."""
    check_strength(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; False for no hash or a damaged one, in about the
    same time as a real check."""
    try:
        return _HASHER.verify(stored or _decoy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def rehashed(stored: str, password: str) -> str | None:
    """A fresh hash of `password` (which just matched `stored`) when `stored` was made with
    weaker parameters than today's; None when it is current."""
    return _HASHER.hash(password) if _HASHER.check_needs_rehash(stored) else None

"""User accounts: people who sign in to the console with an email and a password.

API keys stay the way machines (and people who prefer them) authenticate; a user's password only
opens the console. Emails are kept lower-case, so `Ana@Example.com` and `ana@example.com` are one
account.
"""

from cxops.domain.access import Role, User
from cxops.domain.errors import AuthenticationError, BusinessRuleError, InvalidInputError
from cxops.domain.ids import UserId, new_id
from cxops.governance.passwords import hash_password, rehashed, verify_password
from cxops.ports import Clock, UnitOfWork

_WRONG = "wrong email or password"


def normalise_email(email: str) -> str:
    """`email` trimmed and lower-cased, or `InvalidInputError` if it cannot be an address."""
    address = email.strip().lower()
    local, at, domain = address.partition("@")
    if not (local and at and "." in domain) or any(ch.isspace() for ch in address):
        raise InvalidInputError("email", f"{email!r} is not an email address")
    return address


def create_user(
    uow: UnitOfWork, *, clock: Clock, email: str, name: str, role: Role, password: str
) -> User:
    """Add a user who signs in with `password`, in `uow` (the caller commits)."""
    address = normalise_email(email)
    if not name.strip():
        raise InvalidInputError("name", "must not be empty")
    if uow.access.find_user_by_email(address) is not None:
        raise BusinessRuleError("user_exists", f"a user with email {address} already exists")
    password_hash = hash_password(password)
    user = User(
        id=UserId(new_id("usr")),
        email=address,
        name=name.strip(),
        role=role,
        created_at=clock.now(),
    )
    uow.access.add_user(user)
    uow.access.set_password_hash(user.id, password_hash)
    return user


def authenticate_user(uow: UnitOfWork, *, email: str, password: str) -> User:
    """The active user whose email and password these are, or `AuthenticationError` that never
    says which of the two was wrong. A hash made with weaker parameters is replaced in `uow`
    (the caller commits)."""
    try:
        address = normalise_email(email)
    except InvalidInputError as exc:
        raise AuthenticationError(_WRONG) from exc
    user = uow.access.find_user_by_email(address)
    stored = uow.access.password_hash(user.id) if user is not None and user.active else None
    matches = verify_password(stored, password)  # always run: timing must not tell
    if user is None or stored is None or not matches:
        raise AuthenticationError(_WRONG)
    fresh = rehashed(stored, password)
    if fresh is not None:
        uow.access.set_password_hash(user.id, fresh)
    return user

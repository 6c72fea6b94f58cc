"""Inserting a row whose idempotency key may already be taken by a concurrent request."""

from collections.abc import Callable

from sqlalchemy import Connection, Executable
from sqlalchemy.exc import IntegrityError

from cxops.domain.errors import DuplicateKeyError


def insert_claiming(
    connection: Connection, statement: Executable, *, key: str | None, taken: Callable[[str], bool]
) -> None:
    """Run `statement` in a savepoint; raise `DuplicateKeyError` if it failed because `key` is
    already taken (`taken(key)` says so after the failure), so the caller can replay the original.

    The savepoint keeps the outer transaction usable after the failure, which PostgreSQL needs;
    any other integrity error propagates unchanged.
    """
    try:
        with connection.begin_nested():
            connection.execute(statement)
    except IntegrityError as exc:
        if key is not None and taken(key):
            raise DuplicateKeyError(f"idempotency key {key!r} already used") from exc
        raise

"""Request dependencies: the container, the caller, and their permissions."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from cxops.bootstrap import Container
from cxops.domain.access import Principal
from cxops.domain.errors import AuthenticationError, InvalidInputError
from cxops.governance.api_keys import authenticate
from cxops.governance.roles import Permission, require


def get_container(request: Request) -> Container:
    container = request.app.state.container
    assert isinstance(container, Container)
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    container: ContainerDep,
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
) -> Principal:
    if authorization is None:
        raise AuthenticationError("missing Authorization header (expected: Bearer <API key>)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization header must read: Bearer <API key>")
    with container.uow() as uow:
        return authenticate(uow, token.strip())


def allow(permission: Permission) -> Callable[..., Principal]:
    """A dependency that authenticates the caller and checks `permission`."""

    def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        require(principal, permission)
        return principal

    return dependency


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string up to 255 printable ASCII characters; a retry with "
            "the same key returns the original result.",
        ),
    ] = None,
) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not all(" " < ch <= "~" for ch in key):
        raise InvalidInputError(
            "header.Idempotency-Key", "must be 1-255 printable ASCII characters without spaces"
        )
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]

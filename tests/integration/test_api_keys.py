from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from cxops.connectors.clock import FixedClock
from cxops.domain.access import Role
from cxops.domain.errors import AuthenticationError
from cxops.governance.api_keys import authenticate, issue_key, revoke_key
from cxops.store.uow import SqlUnitOfWorkFactory

CLOCK = FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))


def test_that_an_issued_key_authenticates_with_its_role(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        issued = issue_key(uow, clock=CLOCK, role=Role.SUPERVISOR, name="floor")
        uow.commit()
    with uow_factory() as uow:
        principal = authenticate(uow, issued.token)
    assert principal.role == Role.SUPERVISOR
    assert principal.key_id == issued.key.id


def test_that_only_a_hash_of_the_secret_is_stored(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        issued = issue_key(uow, clock=CLOCK, role=Role.AGENT, name="a")
        uow.commit()
    secret = issued.token.split("_", 2)[2]
    with uow_factory() as uow:
        stored = uow.access.find_key(issued.key.prefix)
    assert stored is not None
    assert secret not in stored.secret_hash


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-1] + "x", id="wrong-secret"),
        pytest.param(lambda t: "abc" + t, id="wrong-scheme"),
        pytest.param(lambda t: "_".join(t.split("_")[:2]), id="no-secret"),
    ],
)
def test_that_a_wrong_token_is_refused(
    uow_factory: SqlUnitOfWorkFactory, mangle: Callable[[str], str]
) -> None:
    with uow_factory() as uow:
        issued = issue_key(uow, clock=CLOCK, role=Role.AGENT, name="a")
        uow.commit()
    with uow_factory() as uow, pytest.raises(AuthenticationError):
        authenticate(uow, mangle(issued.token))


def test_that_a_revoked_key_is_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        issued = issue_key(uow, clock=CLOCK, role=Role.AGENT, name="a")
        uow.commit()
    with uow_factory() as uow:
        revoke_key(uow, clock=CLOCK, prefix=issued.key.prefix)
        uow.commit()
    with uow_factory() as uow, pytest.raises(AuthenticationError):
        authenticate(uow, issued.token)

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from cxops.connectors.clock import FixedClock
from cxops.domain.access import Role, User
from cxops.domain.errors import AuthenticationError, BusinessRuleError, InvalidInputError
from cxops.domain.ids import UserId
from cxops.governance.users import authenticate_user, create_user
from cxops.store.uow import SqlUnitOfWorkFactory

CLOCK = FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
PASSWORD = "floor-lead-2026-rota"


def add_ana(uow_factory: SqlUnitOfWorkFactory, *, email: str = "Ana.Ruiz@Example.com") -> User:
    with uow_factory() as uow:
        user = create_user(
            uow,
            clock=CLOCK,
            email=email,
            name="Ana Ruiz",
            role=Role.SUPERVISOR,
            password=PASSWORD,
        )
        uow.commit()
    return user


def test_that_a_user_signs_in_with_their_password_whatever_the_email_case(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    created = add_ana(uow_factory)
    assert created.email == "ana.ruiz@example.com"
    with uow_factory() as uow:
        user = authenticate_user(uow, email=" ANA.RUIZ@example.com", password=PASSWORD)
    assert user == created


def test_that_only_a_hash_of_the_password_is_stored(uow_factory: SqlUnitOfWorkFactory) -> None:
    user = add_ana(uow_factory)
    with uow_factory() as uow:
        stored = uow.access.password_hash(user.id)
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("ana.ruiz@example.com", "wrong password!", id="wrong-password"),
        pytest.param("nobody@example.com", PASSWORD, id="unknown-email"),
        pytest.param("not an email", PASSWORD, id="not-an-email"),
    ],
)
def test_that_wrong_credentials_never_say_which_part_was_wrong(
    uow_factory: SqlUnitOfWorkFactory, email: str, password: str
) -> None:
    add_ana(uow_factory)
    with uow_factory() as uow, pytest.raises(AuthenticationError) as refused:
        authenticate_user(uow, email=email, password=password)
    assert refused.value.message == "wrong email or password"


def test_that_a_user_without_a_password_cannot_sign_in_with_one(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.access.add_user(
            User(
                id=UserId("usr_keys_only"),
                email="keys@example.com",
                name="Keys Only",
                role=Role.ADMIN,
                created_at=CLOCK.now(),
            )
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.access.password_hash(UserId("usr_keys_only")) is None
        with pytest.raises(AuthenticationError):
            authenticate_user(uow, email="keys@example.com", password=PASSWORD)


def test_that_an_email_is_one_account(uow_factory: SqlUnitOfWorkFactory) -> None:
    add_ana(uow_factory)
    with pytest.raises(BusinessRuleError, match="already exists"):
        add_ana(uow_factory, email="ana.ruiz@EXAMPLE.com")


@pytest.mark.parametrize("email", ["ana", "ana@", "@example.com", "ana ruiz@example.com"])
def test_that_an_impossible_email_is_refused(uow_factory: SqlUnitOfWorkFactory, email: str) -> None:
    with pytest.raises(InvalidInputError, match="not an email address"):
        add_ana(uow_factory, email=email)


def test_that_a_weak_old_hash_is_upgraded_at_sign_in(uow_factory: SqlUnitOfWorkFactory) -> None:
    user = add_ana(uow_factory)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with uow_factory() as uow:
        uow.access.set_password_hash(user.id, weak)
        uow.commit()
    with uow_factory() as uow:
        authenticate_user(uow, email=user.email, password=PASSWORD)
        uow.commit()
    with uow_factory() as uow:
        upgraded = uow.access.password_hash(user.id)
    assert upgraded is not None
    assert upgraded != weak
    assert "m=65536" in upgraded

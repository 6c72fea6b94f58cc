import pytest

from cxops.domain.access import Principal, Role
from cxops.domain.errors import PermissionDeniedError
from cxops.domain.ids import ApiKeyId
from cxops.governance.roles import GRANTS, Permission, require


def principal(role: Role) -> Principal:
    return Principal(key_id=ApiKeyId("key_1"), role=role)


def test_that_every_role_has_a_grant() -> None:
    assert set(GRANTS) == set(Role)


def test_that_only_admins_manage_keys() -> None:
    assert [r for r in Role if Permission.KEYS_MANAGE in GRANTS[r]] == [Role.ADMIN]


def test_that_analysts_cannot_see_customer_records() -> None:
    with pytest.raises(PermissionDeniedError, match="analyst"):
        require(principal(Role.ANALYST), Permission.CUSTOMERS_READ)


def test_that_auditors_read_but_never_write() -> None:
    require(principal(Role.AUDITOR), Permission.CONVERSATIONS_READ)
    with pytest.raises(PermissionDeniedError):
        require(principal(Role.AUDITOR), Permission.CONVERSATIONS_WRITE)

"""Users and API keys."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from cxops.domain.access import ApiKey, Role, User
from cxops.domain.ids import ApiKeyId, UserId
from cxops.store.tables import api_keys, users


def _user(row: Any) -> User:
    return User(
        id=UserId(row.id),
        email=row.email,
        name=row.name,
        role=Role(row.role),
        active=row.active,
        created_at=row.created_at,
    )


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=ApiKeyId(row.id),
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        user_id=None if row.user_id is None else UserId(row.user_id),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class SqlAccessRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_user(self, user: User) -> None:
        self._conn.execute(
            insert(users).values(
                id=user.id,
                email=user.email,
                name=user.name,
                role=user.role.value,
                active=user.active,
                created_at=user.created_at,
            )
        )

    def get_user(self, user_id: UserId) -> User | None:
        row = self._conn.execute(select(users).where(users.c.id == user_id)).first()
        return None if row is None else _user(row)

    def find_user_by_email(self, email: str) -> User | None:
        row = self._conn.execute(select(users).where(users.c.email == email)).first()
        return None if row is None else _user(row)

    def set_password_hash(self, user_id: UserId, password_hash: str) -> None:
        self._conn.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    def password_hash(self, user_id: UserId) -> str | None:
        found: str | None = self._conn.execute(
            select(users.c.password_hash).where(users.c.id == user_id)
        ).scalar()
        return found

    def add_key(self, key: ApiKey) -> None:
        self._conn.execute(
            insert(api_keys).values(
                id=key.id,
                name=key.name,
                role=key.role.value,
                prefix=key.prefix,
                secret_hash=key.secret_hash,
                user_id=key.user_id,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    def find_key(self, prefix: str) -> ApiKey | None:
        row = self._conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).first()
        return None if row is None else _key(row)

    def list_keys(self) -> list[ApiKey]:
        return [
            _key(r) for r in self._conn.execute(select(api_keys).order_by(api_keys.c.created_at))
        ]

    def revoke_key(self, key_id: ApiKeyId, *, at: datetime) -> None:
        self._conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=at))

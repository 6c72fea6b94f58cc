"""Routing policies: every version ever activated, and which one is active now."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from cxops.domain.routing import StoredPolicy
from cxops.store.tables import policies


def _policy(row: Any) -> StoredPolicy:
    return StoredPolicy(
        version=row.version,
        name=row.name,
        sha256=row.sha256,
        text=row.text,
        created_at=row.created_at,
        activated_at=row.activated_at,
    )


class SqlPolicyRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, policy: StoredPolicy) -> None:
        """Store a version unless it is already stored (a version label includes its hash, so an
        existing label means the same text)."""
        if self.get(policy.version) is None:
            self._conn.execute(
                insert(policies).values(
                    version=policy.version,
                    name=policy.name,
                    sha256=policy.sha256,
                    text=policy.text,
                    created_at=policy.created_at,
                    activated_at=policy.activated_at,
                )
            )

    def get(self, version: str) -> StoredPolicy | None:
        row = self._conn.execute(select(policies).where(policies.c.version == version)).first()
        return None if row is None else _policy(row)

    def activate(self, version: str, *, at: datetime) -> None:
        """Make `version` the active one: the active policy is the most recently activated."""
        self._conn.execute(
            update(policies).where(policies.c.version == version).values(activated_at=at)
        )

    def active(self) -> StoredPolicy | None:
        row = self._conn.execute(
            select(policies)
            .where(policies.c.activated_at.is_not(None))
            .order_by(policies.c.activated_at.desc(), policies.c.version.desc())
            .limit(1)
        ).first()
        return None if row is None else _policy(row)

    def history(self) -> list[StoredPolicy]:
        """Every stored version, newest first."""
        rows = self._conn.execute(select(policies).order_by(policies.c.created_at.desc()))
        return [_policy(r) for r in rows]

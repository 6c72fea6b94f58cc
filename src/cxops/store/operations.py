"""Idempotency records of writes made through the embedded order system."""

from sqlalchemy import Connection, insert, select

from cxops.store.tables import operations
from cxops.store.unique import insert_claiming


class SqlOperationLog:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def find(self, key: str) -> tuple[str, str, str] | None:
        row = self._conn.execute(
            select(operations.c.operation, operations.c.request_hash, operations.c.result_id).where(
                operations.c.key == key
            )
        ).first()
        return None if row is None else (row.operation, row.request_hash, row.result_id)

    def record(self, *, key: str, operation: str, request_hash: str, result_id: str) -> None:
        insert_claiming(
            self._conn,
            insert(operations).values(
                key=key, operation=operation, request_hash=request_hash, result_id=result_id
            ),
            key=key,
            taken=lambda _: True,
        )

"""The self-service bot's records: each conversation's dialogue state and the bot's actions,
which double as the approval queue."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from cxops.domain.decisions import Reason
from cxops.domain.errors import DuplicateKeyError
from cxops.domain.ids import ActionId, ConversationId, OrderId
from cxops.domain.selfservice import Action, ActionKind, ActionStatus
from cxops.store.tables import bot_actions, dialogues
from cxops.store.unique import insert_claiming


def _action(row: Any) -> Action:
    return Action(
        id=ActionId(row.id),
        conversation_id=ConversationId(row.conversation_id),
        kind=ActionKind(row.kind),
        order_id=OrderId(row.order_id),
        params=dict(row.params),
        status=ActionStatus(row.status),
        created_at=row.created_at,
        needs_approval=row.needs_approval,
        reasons=tuple(Reason(code, text) for code, text in row.reasons),
        preview=dict(row.preview),
        result=dict(row.result),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        note=row.note,
    )


def _values(action: Action) -> dict[str, Any]:
    a = action
    return {
        "conversation_id": a.conversation_id,
        "kind": a.kind.value,
        "order_id": a.order_id,
        "params": a.params,
        "status": a.status.value,
        "needs_approval": a.needs_approval,
        "reasons": [[r.code, r.text] for r in a.reasons],
        "preview": a.preview,
        "result": a.result,
        "created_at": a.created_at,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at,
        "note": a.note,
    }


class SqlDialogueRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, conversation_id: ConversationId) -> tuple[dict[str, Any], int] | None:
        row = self._conn.execute(
            select(dialogues.c.state, dialogues.c.version).where(
                dialogues.c.conversation_id == conversation_id
            )
        ).first()
        return None if row is None else (dict(row.state), row.version)

    def save(
        self,
        conversation_id: ConversationId,
        state: dict[str, Any],
        *,
        expected_version: int,
        at: datetime,
    ) -> bool:
        if expected_version == 0:
            try:
                insert_claiming(
                    self._conn,
                    insert(dialogues).values(
                        conversation_id=conversation_id, state=state, version=1, updated_at=at
                    ),
                    key=conversation_id,
                    taken=lambda _: self.get(conversation_id) is not None,
                )
            except DuplicateKeyError:
                return False
            return True
        result = self._conn.execute(
            update(dialogues)
            .where(
                dialogues.c.conversation_id == conversation_id,
                dialogues.c.version == expected_version,
            )
            .values(state=state, version=expected_version + 1, updated_at=at)
        )
        return result.rowcount == 1


class SqlActionRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def save(self, action: Action) -> None:
        found = self._conn.execute(
            select(bot_actions.c.id).where(bot_actions.c.id == action.id)
        ).first()
        if found is None:
            self._conn.execute(insert(bot_actions).values(id=action.id, **_values(action)))
        else:
            self._conn.execute(
                update(bot_actions).where(bot_actions.c.id == action.id).values(**_values(action))
            )

    def get(self, action_id: ActionId) -> Action | None:
        row = self._conn.execute(select(bot_actions).where(bot_actions.c.id == action_id)).first()
        return None if row is None else _action(row)

    def decide(self, action: Action, *, expected: ActionStatus) -> bool:
        """Write the action only if it still has the `expected` status (one approver wins)."""
        result = self._conn.execute(
            update(bot_actions)
            .where(bot_actions.c.id == action.id, bot_actions.c.status == expected.value)
            .values(**_values(action))
        )
        return result.rowcount == 1

    def listing(self, *, statuses: Sequence[ActionStatus] = (), limit: int = 100) -> list[Action]:
        query = select(bot_actions).order_by(bot_actions.c.created_at, bot_actions.c.id)
        if statuses:
            query = query.where(bot_actions.c.status.in_([s.value for s in statuses]))
        return [_action(row) for row in self._conn.execute(query.limit(limit))]

    def orders_since(self, since: datetime) -> list[OrderId]:
        rows = self._conn.execute(
            select(bot_actions.c.order_id)
            .where(bot_actions.c.created_at >= since)
            .group_by(bot_actions.c.order_id)
            .order_by(func.max(bot_actions.c.created_at).desc())
        )
        return [OrderId(r) for r in rows.scalars()]

    def for_conversation(self, conversation_id: ConversationId) -> list[Action]:
        rows = self._conn.execute(
            select(bot_actions)
            .where(bot_actions.c.conversation_id == conversation_id)
            .order_by(bot_actions.c.created_at, bot_actions.c.id)
        )
        return [_action(row) for row in rows]

    def executed_count(self, order_id: OrderId, kind: ActionKind) -> int:
        return int(
            self._conn.execute(
                select(func.count())
                .select_from(bot_actions)
                .where(
                    bot_actions.c.order_id == order_id,
                    bot_actions.c.kind == kind.value,
                    bot_actions.c.status == ActionStatus.EXECUTED.value,
                )
            ).scalar_one()
        )

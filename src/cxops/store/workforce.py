"""Skill queues and agents."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update

from cxops.domain.ids import AgentId, QueueId, UserId
from cxops.domain.workforce import Agent, AgentStatus, Queue, Skill
from cxops.store.tables import agent_skills, agents, queues


def _queue(row: Any) -> Queue:
    return Queue(
        id=QueueId(row.id),
        name=row.name,
        description=row.description,
        skill=row.skill,
        language=row.language,
        sla_seconds=row.sla_seconds,
        sla_target_percent=row.sla_target_percent,
        vip_only=row.vip_only,
    )


def _queue_row(q: Queue) -> dict[str, Any]:
    return {
        "id": q.id,
        "name": q.name,
        "description": q.description,
        "skill": q.skill,
        "language": q.language,
        "sla_seconds": q.sla_seconds,
        "sla_target_percent": q.sla_target_percent,
        "vip_only": q.vip_only,
    }


class SqlWorkforceRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_agents(self, items: Iterable[Agent]) -> None:
        batch = list(items)
        if not batch:
            return
        self._conn.execute(
            insert(agents),
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "email": a.email,
                    "languages": list(a.languages),
                    "max_concurrent": a.max_concurrent,
                    "status": a.status.value,
                    "user_id": a.user_id,
                }
                for a in batch
            ],
        )
        skills = [
            {"agent_id": a.id, "skill": s.name, "proficiency": s.proficiency}
            for a in batch
            for s in a.skills
        ]
        if skills:
            self._conn.execute(insert(agent_skills), skills)

    def list_queues(self) -> list[Queue]:
        return [_queue(r) for r in self._conn.execute(select(queues).order_by(queues.c.name))]

    def get_queue(self, queue_id: QueueId) -> Queue | None:
        row = self._conn.execute(select(queues).where(queues.c.id == queue_id)).first()
        return None if row is None else _queue(row)

    def list_agents(self) -> list[Agent]:
        return self._agents(select(agents).order_by(agents.c.name))

    def get_agent(self, agent_id: AgentId) -> Agent | None:
        found = self._agents(select(agents).where(agents.c.id == agent_id))
        return found[0] if found else None

    def agent_for_user(self, user_id: UserId) -> Agent | None:
        found = self._agents(select(agents).where(agents.c.user_id == user_id))
        return found[0] if found else None

    def link_user(self, agent_id: AgentId, user_id: UserId | None) -> None:
        self._conn.execute(update(agents).where(agents.c.id == agent_id).values(user_id=user_id))

    def get_agent_for_update(self, agent_id: AgentId) -> Agent | None:
        """Read the agent and, on PostgreSQL, lock the row until the transaction ends, so two
        assignments to one agent are serialised and capacity is never overrun."""
        found = self._agents(select(agents).where(agents.c.id == agent_id).with_for_update())
        return found[0] if found else None

    def set_agent_state(
        self, agent_id: AgentId, *, status: AgentStatus, max_concurrent: int | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status.value}
        if max_concurrent is not None:
            values["max_concurrent"] = max_concurrent
        self._conn.execute(update(agents).where(agents.c.id == agent_id).values(**values))

    def sync_queues(self, items: Iterable[Queue]) -> None:
        """Make the queues table hold these queues: insert new ones, update the rest in place.
        Queues a policy no longer names are kept, because conversations still point at them."""
        existing = {row.id for row in self._conn.execute(select(queues.c.id))}
        for queue in items:
            values = _queue_row(queue)
            if queue.id in existing:
                self._conn.execute(update(queues).where(queues.c.id == queue.id).values(**values))
            else:
                self._conn.execute(insert(queues).values(**values))

    def _agents(self, query: Any) -> list[Agent]:
        rows = self._conn.execute(query).all()
        skills: dict[str, list[Skill]] = defaultdict(list)
        for row in self._conn.execute(
            select(agent_skills)
            .where(agent_skills.c.agent_id.in_([r.id for r in rows]))
            .order_by(agent_skills.c.agent_id, agent_skills.c.skill)
        ):
            skills[row.agent_id].append(Skill(name=row.skill, proficiency=row.proficiency))
        return [
            Agent(
                id=AgentId(r.id),
                name=r.name,
                email=r.email,
                languages=tuple(r.languages),
                skills=tuple(skills[r.id]),
                max_concurrent=r.max_concurrent,
                status=AgentStatus(r.status),
                user_id=None if r.user_id is None else UserId(r.user_id),
            )
            for r in rows
        ]

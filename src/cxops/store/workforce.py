"""Skill queues and agents."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select

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


class SqlWorkforceRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_queues(self, items: Iterable[Queue]) -> None:
        rows = [
            {
                "id": q.id,
                "name": q.name,
                "description": q.description,
                "skill": q.skill,
                "language": q.language,
                "sla_seconds": q.sla_seconds,
                "sla_target_percent": q.sla_target_percent,
                "vip_only": q.vip_only,
            }
            for q in items
        ]
        if rows:
            self._conn.execute(insert(queues), rows)

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

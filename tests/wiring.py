"""The pipeline wired as `bootstrap` wires it, over a test's database, clock and order system."""

from collections.abc import Callable

from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.domain.ids import ConversationId
from cxops.floor import Floor, PolicyBook
from cxops.pipeline import Pipeline
from cxops.ports import Clock, OrderSystem, UnitOfWorkFactory
from cxops.selfservice.service import SelfService
from cxops.triage.engine import TriageEngine


def build_pipeline(
    uow: UnitOfWorkFactory,
    clock: Clock,
    triage: TriageEngine,
    *,
    floor: Floor | None = None,
    orders: OrderSystem | None = None,
    max_message_chars: int = 20_000,
    on_closed: Callable[[ConversationId], object] | None = None,
) -> Pipeline:
    if floor is None:
        floor = Floor(uow_factory=uow, clock=clock, policies=PolicyBook())
        floor.ensure_policy()
    selfservice = SelfService(
        uow_factory=uow,
        clock=clock,
        orders=orders or SqlOrderStore(uow_factory=uow, clock=clock),
        floor=floor,
        redact=lambda text: triage.redact(text)[0],
    )
    return Pipeline(
        uow_factory=uow,
        clock=clock,
        triage=triage,
        floor=floor,
        selfservice=selfservice,
        max_message_chars=max_message_chars,
        on_closed=on_closed,
    )

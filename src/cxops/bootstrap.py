"""The composition root: the only module that names concrete adapters.

Tests call `bootstrap` with their own settings and clock; the CLI and the server call it once
at start-up.
"""

from dataclasses import dataclass

from sqlalchemy import Engine

from cxops.connectors.clock import SystemClock
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.pipeline import Pipeline
from cxops.ports import Clock, OrderSystem, UnitOfWorkFactory
from cxops.settings import Settings
from cxops.store.engine import make_engine
from cxops.store.uow import SqlUnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Container:
    """Everything a running cxops needs, built once."""

    settings: Settings
    engine: Engine
    clock: Clock
    uow: UnitOfWorkFactory
    orders: OrderSystem
    pipeline: Pipeline


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Wire the adapters named in `settings`. Does not migrate: that is `cxops db upgrade`'s job."""
    engine = make_engine(settings.effective_database_url)
    clock = clock or SystemClock()
    uow = SqlUnitOfWorkFactory(engine)
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        uow=uow,
        orders=SqlOrderStore(uow_factory=uow, clock=clock),
        pipeline=Pipeline(
            uow_factory=uow, clock=clock, max_message_chars=settings.max_message_chars
        ),
    )

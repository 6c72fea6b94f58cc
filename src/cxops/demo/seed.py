"""Load a demo dataset through the unit-of-work port, all of it or none of it.

The loader only knows the ports, so it fills SQLite, PostgreSQL or any other store the composition
root hands it, and a crash halfway leaves the database as empty as it found it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from cxops.demo.retail import RetailDataset
from cxops.ports import UnitOfWorkFactory

__all__ = ["BATCH_SIZE", "Progress", "SeedReport", "is_seeded", "load"]

BATCH_SIZE = 1000
"""Records handed to a repository at once: large enough to be fast, small enough to report."""

Progress = Callable[[str, int], None]
"""Called as `progress(step, rows)` after each batch: `step` names the dataset field being written
("customers", "products", "promotions", "orders", "queues", "agents") and `rows` is how many records
that batch wrote. Over a whole load the `rows` add up to `RetailDataset.row_count`."""

_Row = TypeVar("_Row")


@dataclass(frozen=True, slots=True)
class SeedReport:
    """How many records of each kind were written."""

    customers: int
    products: int
    promotions: int
    orders: int
    queues: int
    agents: int


def load(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset, *, progress: Progress | None = None
) -> SeedReport:
    """Write the whole dataset in one transaction; on any error nothing is written.

    Parents go before children (customers and products before the orders that name them), so the
    foreign keys hold at every step. The database is expected to hold none of these records yet;
    `is_seeded` tells whether it does.
    """
    with uow_factory() as uow:
        _write(uow.customers.add_many, dataset.customers, step="customers", progress=progress)
        _write(uow.catalog.add_products, dataset.products, step="products", progress=progress)
        _write(uow.catalog.add_promotions, dataset.promotions, step="promotions", progress=progress)
        _write(uow.orders.add_many, dataset.orders, step="orders", progress=progress)
        _write(uow.workforce.sync_queues, dataset.queues, step="queues", progress=progress)
        _write(uow.workforce.add_agents, dataset.agents, step="agents", progress=progress)
        uow.commit()
    return SeedReport(
        customers=len(dataset.customers),
        products=len(dataset.products),
        promotions=len(dataset.promotions),
        orders=len(dataset.orders),
        queues=len(dataset.queues),
        agents=len(dataset.agents),
    )


def is_seeded(uow_factory: UnitOfWorkFactory) -> bool:
    """Return whether any customer exists, so the demo data is loaded only once."""
    with uow_factory() as uow:
        return uow.customers.count() > 0


def _write(
    add: Callable[[Sequence[_Row]], None],
    rows: Sequence[_Row],
    *,
    step: str,
    progress: Progress | None,
) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        add(batch)
        if progress is not None:
            progress(step, len(batch))

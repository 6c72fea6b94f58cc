from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from cxops.demo import seed
from cxops.demo.retail import RetailDataset, generate
from cxops.demo.seed import SeedReport, is_seeded, load
from cxops.domain.orders import Order
from cxops.ports import UnitOfWorkFactory


@pytest.fixture(scope="module")
def dataset() -> RetailDataset:
    return generate(today=date(2025, 6, 15), customers=200, products=50, orders=800)


def sample_of_orders(dataset: RetailDataset) -> list[Order]:
    """The first order of every status, and every order with a return or a refund."""
    firsts: dict[str, Order] = {}
    for order in dataset.orders:
        firsts.setdefault(order.status, order)
    settled = [o for o in dataset.orders if o.returns or o.refunds]
    return [*firsts.values(), *settled]


def test_that_loaded_orders_read_back_exactly_as_generated(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset
) -> None:
    load(uow_factory, dataset)
    sample = sample_of_orders(dataset)
    assert len({o.status for o in sample}) >= 7
    with uow_factory() as uow:
        for order in sample:
            assert uow.orders.get(order.id) == order


def test_that_loaded_people_catalogue_and_workforce_read_back_exactly(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset
) -> None:
    load(uow_factory, dataset)
    with uow_factory() as uow:
        for customer in dataset.customers[:20]:
            assert uow.customers.get(customer.id) == customer
            assert uow.customers.find_by_email(customer.email) == customer
        for product in dataset.products:
            assert uow.catalog.get_product(product.id) == product
        running = [p for p in dataset.promotions if p.is_active(dataset.as_of)]
        assert uow.catalog.active_promotions(dataset.as_of) == sorted(running, key=lambda p: p.code)
        assert uow.workforce.list_queues() == sorted(dataset.queues, key=lambda q: q.name)
        assert uow.workforce.list_agents() == sorted(dataset.agents, key=lambda a: a.name)


def test_that_loading_reports_what_it_wrote(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset
) -> None:
    assert load(uow_factory, dataset) == SeedReport(
        customers=200,
        products=50,
        promotions=len(dataset.promotions),
        orders=800,
        queues=len(dataset.queues),
        agents=len(dataset.agents),
    )


def test_that_progress_is_reported_after_every_batch(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seed, "BATCH_SIZE", 300)
    calls: list[tuple[str, int]] = []
    load(uow_factory, dataset, progress=lambda step, rows: calls.append((step, rows)))
    assert calls == [
        ("customers", 200),
        ("products", 50),
        ("promotions", len(dataset.promotions)),
        ("orders", 300),
        ("orders", 300),
        ("orders", 200),
        ("queues", len(dataset.queues)),
        ("agents", len(dataset.agents)),
    ]
    assert sum(rows for _, rows in calls) == dataset.row_count


def test_that_the_database_counts_as_seeded_only_after_loading(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset
) -> None:
    assert not is_seeded(uow_factory)
    load(uow_factory, dataset)
    assert is_seeded(uow_factory)


def test_that_a_failure_midway_leaves_nothing_written(
    uow_factory: UnitOfWorkFactory, dataset: RetailDataset
) -> None:
    broken = replace(dataset, orders=(*dataset.orders, dataset.orders[0]))
    with pytest.raises(IntegrityError):
        load(uow_factory, broken)
    assert not is_seeded(uow_factory)
    with uow_factory() as uow:
        assert uow.catalog.get_product(dataset.products[0].id) is None
        assert uow.orders.get(dataset.orders[0].id) is None

"""RestOrderSystem against a real order service on loopback (tests/order_service.py), backed by
the embedded store over the test database: the connector must answer exactly as the embedded
store does, and stay responsive and honest when the service is slow, failing or gone."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from importlib.resources import files
from typing import Any

import pytest
import structlog
import yaml

from cxops.configfile import ConfigError
from cxops.connectors.clock import FixedClock
from cxops.connectors.resilience import CircuitState
from cxops.connectors.rest_order_config import RestOrderSystemConfig
from cxops.connectors.rest_order_system import RestOrderSystem
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.demo.retail import RetailDataset, generate
from cxops.demo.seed import load
from cxops.domain.customers import Address, Segment
from cxops.domain.errors import ConnectorUnavailableError, DomainError
from cxops.domain.ids import CustomerId, OrderId, ProductId, ReturnId
from cxops.domain.orders import Order, OrderStatus, PaymentMethod, ReturnItem, ReturnStatus
from cxops.ports import OrderSystem
from cxops.store.uow import SqlUnitOfWorkFactory
from tests.order_service import TOKEN, OrderService

EXAMPLE = files("cxops.data") / "connectors" / "rest_order_system.example.yaml"
ENVIRON = {"ACME_OMS_TOKEN": TOKEN}
NEW_HOME = Address(line1="9 Elm St", city="Shelbyville", postal_code="54321", country="US")

# Small enough that the whole module runs in seconds: short timeouts, quick retries, a breaker
# that opens after three failures and cools down in 0.3 s.
TEST_SETTINGS: dict[str, Any] = {
    "timeouts": {"connect_seconds": 0.5, "read_seconds": 1.0, "total_seconds": 3.0},
    "retries": {"max_attempts": 3, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05},
    "circuit_breaker": {"failure_threshold": 3, "cool_down_seconds": 0.3},
}
ONE_ATTEMPT = {"retries": {"max_attempts": 1}}
COOL_DOWN = TEST_SETTINGS["circuit_breaker"]["cool_down_seconds"]


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def config_for(service: OrderService, **changes: Any) -> RestOrderSystemConfig:
    """The shipped example config, pointed at `service`, with test timings and `changes`."""
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data = merged(merged(example, {"base_url": service.url, **TEST_SETTINGS}), changes)
    return RestOrderSystemConfig.model_validate(data)


@dataclass(frozen=True)
class Targets:
    """Orders of the demo data in the states the writes need."""

    pending: OrderId
    processing: OrderId
    shipped: OrderId
    cancelled: OrderId
    delivered: OrderId  # nothing returned or refunded yet; `returnable` is inside its window
    returnable: ProductId
    foreign_return: ReturnId  # a return of some other order


@pytest.fixture(scope="module")
def dataset() -> RetailDataset:
    return generate(today=date(2026, 11, 1), seed=49, customers=30, products=11, orders=250)


@pytest.fixture(scope="module")
def clock(dataset: RetailDataset) -> FixedClock:
    return FixedClock(dataset.as_of + timedelta(hours=9))


@pytest.fixture(scope="module")
def targets(dataset: RetailDataset, clock: FixedClock) -> Targets:
    def first(status: OrderStatus) -> Order:
        return next(o for o in dataset.orders if o.status == status)

    def open_items(o: Order) -> list[ProductId]:
        assert o.delivered_at is not None
        return [
            i.product_id
            for i in o.items
            if i.return_window_days
            and o.delivered_at + timedelta(days=i.return_window_days) > clock.now()
        ]

    delivered = next(
        o
        for o in dataset.orders
        if o.status == OrderStatus.DELIVERED and not o.returns and not o.refunds and open_items(o)
    )
    foreign = next(o for o in dataset.orders if o.returns and o.id != delivered.id)
    return Targets(
        pending=first(OrderStatus.PENDING).id,
        processing=first(OrderStatus.PROCESSING).id,
        shipped=first(OrderStatus.SHIPPED).id,
        cancelled=first(OrderStatus.CANCELLED).id,
        delivered=delivered.id,
        returnable=open_items(delivered)[0],
        foreign_return=foreign.returns[0].id,
    )


@pytest.fixture
def embedded(
    uow_factory: SqlUnitOfWorkFactory, dataset: RetailDataset, clock: FixedClock
) -> SqlOrderStore:
    load(uow_factory, dataset)
    return SqlOrderStore(uow_factory=uow_factory, clock=clock)


@pytest.fixture
def service(embedded: SqlOrderStore) -> Iterator[OrderService]:
    with OrderService(embedded) as running:
        yield running


@pytest.fixture
def rest(service: OrderService) -> Iterator[RestOrderSystem]:
    with RestOrderSystem(config=config_for(service), environ=ENVIRON) as connector:
        yield connector


def connector(service: OrderService, **changes: Any) -> RestOrderSystem:
    return RestOrderSystem(config=config_for(service, **changes), environ=ENVIRON)


def refusal(call: Callable[[], object]) -> tuple[type[DomainError], dict[str, object]]:
    """The domain error `call` raises: its type and every attribute (message, code, field ...)."""
    with pytest.raises(DomainError) as raised:
        call()
    return type(raised.value), vars(raised.value)


def unavailable(call: Callable[[], object]) -> ConnectorUnavailableError:
    with pytest.raises(ConnectorUnavailableError) as raised:
        call()
    return raised.value


# the same answers as the embedded store


def sample_of_orders(dataset: RetailDataset) -> list[Order]:
    """The first order of every status, payment method and set of shipment statuses, a few
    with promotions, and twenty with returns or refunds."""
    picked: dict[OrderId, Order] = {}
    kinds: list[Callable[[Order], object]] = [
        lambda o: o.status,
        lambda o: o.payment_method,
        lambda o: tuple(s.status for s in o.shipments),
    ]
    for kind in kinds:
        seen = set()
        for order in dataset.orders:
            if kind(order) not in seen:
                seen.add(kind(order))
                picked[order.id] = order
    promoted = [o for o in dataset.orders if o.promotion_code][:3]
    settled = [o for o in dataset.orders if o.returns or o.refunds][:20]
    picked |= {o.id: o for o in [*promoted, *settled]}
    return list(picked.values())


def test_that_customers_read_through_rest_are_those_of_the_embedded_store(
    rest: RestOrderSystem, embedded: SqlOrderStore, dataset: RetailDataset
) -> None:
    assert any(person.segment == Segment.VIP for person in dataset.customers)
    for person in dataset.customers:
        assert rest.find_customer(customer_id=person.id) == person
        assert embedded.find_customer(customer_id=person.id) == person
        assert rest.find_customer(email=person.email.upper()) == person
        assert rest.find_customer(phone=person.phone) == person
    assert rest.find_customer(customer_id=CustomerId("C999999")) is None
    assert rest.find_customer(email="nobody@example.com") is None
    assert rest.find_customer(phone="+15550000000") is None


def test_that_orders_read_through_rest_are_those_of_the_embedded_store(
    rest: RestOrderSystem, embedded: SqlOrderStore, dataset: RetailDataset
) -> None:
    sample = sample_of_orders(dataset)
    assert {o.status for o in sample} == set(OrderStatus)
    assert {o.payment_method for o in sample} == set(PaymentMethod)
    assert any(o.promotion_code for o in sample)
    for order in sample:
        assert rest.get_order(order.id) == embedded.get_order(order.id) == order
        assert rest.get_tracking(order.id) == embedded.get_tracking(order.id)
    for person in dataset.customers:
        assert rest.list_orders(person.id) == embedded.list_orders(person.id)
        assert rest.list_orders(person.id, limit=3) == embedded.list_orders(person.id, limit=3)
    assert rest.list_orders(CustomerId("C999999")) == []


def test_that_tracking_comes_from_the_order_when_no_tracking_endpoint_is_configured(
    service: OrderService, embedded: SqlOrderStore, targets: Targets
) -> None:
    with connector(service, endpoints={"get_tracking": None}) as rest:
        assert rest.get_tracking(targets.shipped) == embedded.get_tracking(targets.shipped)
    assert [r.target for r in service.requests] == [f"/api/v2/orders/{targets.shipped}"]


@pytest.mark.parametrize(
    "read",
    [
        lambda system: system.get_order(OrderId("W0")),
        lambda system: system.get_tracking(OrderId("W0")),
        lambda system: system.find_customer(),
        lambda system: system.find_customer(email="a@example.com", phone="+15550100"),
        lambda system: system.list_orders(CustomerId("C100001"), limit=0),
    ],
    ids=["unknown order", "tracking of an unknown order", "no lookup", "two lookups", "limit 0"],
)
def test_that_bad_reads_fail_as_they_do_on_the_embedded_store(
    rest: RestOrderSystem, embedded: SqlOrderStore, read: Callable[[OrderSystem], object]
) -> None:
    assert refusal(lambda: read(rest)) == refusal(lambda: read(embedded))


Write = Callable[[OrderSystem, Targets, str], object]

WRITES: dict[str, tuple[Write, Callable[[Targets], OrderId]]] = {
    "cancel a pending order": (
        lambda s, t, key: s.cancel_order(
            order_id=t.pending, reason="too slow", idempotency_key=key
        ),
        lambda t: t.pending,
    ),
    "cancel a processing order, refunding it": (
        lambda s, t, key: s.cancel_order(
            order_id=t.processing, reason="found it cheaper", idempotency_key=key
        ),
        lambda t: t.processing,
    ),
    "move a pending order": (
        lambda s, t, key: s.update_shipping_address(
            order_id=t.pending, address=NEW_HOME, idempotency_key=key
        ),
        lambda t: t.pending,
    ),
    "return a delivered item": (
        lambda s, t, key: s.create_return(
            order_id=t.delivered,
            items=[ReturnItem(t.returnable, 1)],
            reason="too small",
            idempotency_key=key,
        ),
        lambda t: t.delivered,
    ),
    "refund part of a delivered order": (
        lambda s, t, key: s.issue_refund(
            order_id=t.delivered, amount_cents=1_234, reason="goodwill", idempotency_key=key
        ),
        lambda t: t.delivered,
    ),
    "reship a shipped order": (
        lambda s, t, key: s.reship_order(
            order_id=t.shipped, reason="never arrived", idempotency_key=key
        ),
        lambda t: t.shipped,
    ),
}


@pytest.mark.parametrize("name", WRITES)
def test_that_writes_through_rest_give_what_the_embedded_store_recorded(
    rest: RestOrderSystem, embedded: SqlOrderStore, targets: Targets, name: str
) -> None:
    write, written = WRITES[name]
    result = write(rest, targets, "key-1")
    # The embedded store replays the write it recorded under the key: the same result.
    assert write(embedded, targets, "key-1") == result
    assert rest.get_order(written(targets)) == embedded.get_order(written(targets))


def test_that_a_refund_can_settle_a_return_made_through_rest(
    rest: RestOrderSystem, embedded: SqlOrderStore, targets: Targets
) -> None:
    ret = rest.create_return(
        order_id=targets.delivered,
        items=[ReturnItem(targets.returnable, 1)],
        reason="too small",
        idempotency_key="r",
    )
    refund = rest.issue_refund(
        order_id=targets.delivered,
        amount_cents=500,
        reason="returned",
        idempotency_key="k",
        return_id=ret.id,
    )
    assert refund.return_id == ret.id
    after = rest.get_order(targets.delivered)
    assert after == embedded.get_order(targets.delivered)
    assert [r.status for r in after.returns] == [ReturnStatus.REFUNDED]


REFUSALS: dict[str, Callable[[OrderSystem, Targets], object]] = {
    "cancel a shipped order": lambda s, t: s.cancel_order(
        order_id=t.shipped, reason="too slow", idempotency_key="k"
    ),
    "cancel an unknown order": lambda s, _: s.cancel_order(
        order_id=OrderId("W0"), reason="?", idempotency_key="k"
    ),
    "move a delivered order": lambda s, t: s.update_shipping_address(
        order_id=t.delivered, address=NEW_HOME, idempotency_key="k"
    ),
    "move to a US address without a ZIP code": lambda s, t: s.update_shipping_address(
        order_id=t.pending, address=replace(NEW_HOME, postal_code="5432"), idempotency_key="k"
    ),
    "return from a pending order": lambda s, t: s.create_return(
        order_id=t.pending, items=[ReturnItem(t.returnable, 1)], reason="?", idempotency_key="k"
    ),
    "return a product the order does not hold": lambda s, t: s.create_return(
        order_id=t.delivered,
        items=[ReturnItem(ProductId("SKU-0"), 1)],
        reason="?",
        idempotency_key="k",
    ),
    "refund nothing": lambda s, t: s.issue_refund(
        order_id=t.delivered, amount_cents=0, reason="?", idempotency_key="k"
    ),
    "refund more than was paid": lambda s, t: s.issue_refund(
        order_id=t.delivered, amount_cents=10**9, reason="?", idempotency_key="k"
    ),
    "refund a cancelled order": lambda s, t: s.issue_refund(
        order_id=t.cancelled, amount_cents=100, reason="?", idempotency_key="k"
    ),
    "reship a delivered order": lambda s, t: s.reship_order(
        order_id=t.delivered, reason="never arrived", idempotency_key="k"
    ),
    "reship a pending order": lambda s, t: s.reship_order(
        order_id=t.pending, reason="never arrived", idempotency_key="k"
    ),
    "reship an unknown order": lambda s, _: s.reship_order(
        order_id=OrderId("W0"), reason="?", idempotency_key="k"
    ),
    "refund against another order's return": lambda s, t: s.issue_refund(
        order_id=t.delivered,
        amount_cents=100,
        reason="?",
        idempotency_key="k",
        return_id=t.foreign_return,
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_that_refused_writes_fail_as_they_do_on_the_embedded_store(
    rest: RestOrderSystem, embedded: SqlOrderStore, targets: Targets, name: str
) -> None:
    write = REFUSALS[name]
    assert refusal(lambda: write(rest, targets)) == refusal(lambda: write(embedded, targets))


def test_that_a_replacement_sent_through_rest_is_free_and_leaves_the_original_lost(
    rest: RestOrderSystem, service: OrderService, embedded: SqlOrderStore, targets: Targets
) -> None:
    sent = rest.reship_order(order_id=targets.shipped, reason="never arrived", idempotency_key="k")
    assert sent == embedded.get_order(sent.id)
    assert (sent.id, sent.status, sent.total_cents) == (
        f"{targets.shipped}-R1",
        OrderStatus.PROCESSING,
        0,
    )
    assert rest.get_order(targets.shipped).status == OrderStatus.LOST
    (post,) = [r for r in service.requests if r.method == "POST"]
    assert post.target == f"/api/v2/orders/{targets.shipped}/replacements"
    assert (post.body, post.idempotency_key) == ({"replacement": {"reason": "never arrived"}}, "k")


def test_that_reshipping_is_unavailable_when_no_reship_endpoint_is_configured(
    service: OrderService, embedded: SqlOrderStore, targets: Targets
) -> None:
    before = embedded.get_order(targets.shipped)
    with connector(service, endpoints={"reship_order": None}) as rest:
        error = unavailable(
            lambda: rest.reship_order(
                order_id=targets.shipped, reason="never arrived", idempotency_key="k"
            )
        )
        assert rest.circuit_state == CircuitState.CLOSED
    assert (error.operation, error.reason) == ("reship_order", "not_configured")
    assert "configuration has no reship_order endpoint" in error.message
    assert service.requests == []
    assert embedded.get_order(targets.shipped) == before


def test_that_a_key_reused_for_another_request_is_an_idempotency_conflict(
    rest: RestOrderSystem, embedded: SqlOrderStore, targets: Targets
) -> None:
    rest.cancel_order(order_id=targets.pending, reason="too slow", idempotency_key="k")

    def reuse(system: OrderSystem) -> object:
        return system.cancel_order(order_id=targets.pending, reason="other", idempotency_key="k")

    assert refusal(lambda: reuse(rest)) == refusal(lambda: reuse(embedded))


# failures


def test_that_calls_succeed_after_transient_503s(
    rest: RestOrderSystem, service: OrderService, targets: Targets, embedded: SqlOrderStore
) -> None:
    service.fail_next(2)
    assert rest.get_order(targets.shipped) == embedded.get_order(targets.shipped)
    assert len(service.requests) == 3
    service.fail_next(2)
    cancelled = rest.cancel_order(order_id=targets.pending, reason="x", idempotency_key="k-503")
    writes = service.requests[3:]
    assert [r.idempotency_key for r in writes] == ["k-503"] * 3
    assert cancelled == embedded.get_order(targets.pending)


def test_that_a_write_whose_answer_was_lost_is_retried_under_its_key_and_applied_once(
    rest: RestOrderSystem, service: OrderService, targets: Targets, embedded: SqlOrderStore
) -> None:
    before = embedded.get_order(targets.delivered)
    service.lose_next(1)
    refund = rest.issue_refund(
        order_id=targets.delivered, amount_cents=700, reason="goodwill", idempotency_key="k-lost"
    )
    posts = [r for r in service.requests if r.method == "POST"]
    assert [r.idempotency_key for r in posts] == ["k-lost", "k-lost"]
    after = embedded.get_order(targets.delivered)
    assert after.refunds == (*before.refunds, refund)
    assert after.refunded_cents == before.refunded_cents + 700


def test_that_a_write_without_idempotency_keys_is_not_sent_twice(
    service: OrderService, targets: Targets
) -> None:
    service.fail_next(1)
    with connector(service, idempotency_header=None) as rest:
        error = unavailable(
            lambda: rest.cancel_order(order_id=targets.pending, reason="x", idempotency_key="k")
        )
    assert (error.operation, error.reason) == ("cancel_order", "server_error")
    assert len(service.requests) == 1


def test_that_a_read_that_times_out_is_unavailable_within_the_time_budget(
    service: OrderService, targets: Targets
) -> None:
    budget = 0.5
    service.stall_next(10, seconds=5.0)
    timeouts = {"read_seconds": 0.2, "total_seconds": budget}
    with connector(service, timeouts=timeouts) as rest:
        started = time.monotonic()
        error = unavailable(lambda: rest.get_order(targets.shipped))
        elapsed = time.monotonic() - started
    assert (error.operation, error.reason) == ("get_order", "timeout")
    assert budget * 0.8 < elapsed < budget + 0.15
    assert len(service.requests) == 3


def test_that_a_stopped_service_is_unavailable(
    rest: RestOrderSystem, service: OrderService, targets: Targets
) -> None:
    service.stop()
    error = unavailable(lambda: rest.get_order(targets.shipped))
    assert (error.operation, error.reason) == ("get_order", "connection_failed")


def test_that_refused_credentials_are_reported_and_not_retried(
    service: OrderService, targets: Targets
) -> None:
    with RestOrderSystem(config=config_for(service), environ={"ACME_OMS_TOKEN": "wrong"}) as rest:
        error = unavailable(lambda: rest.get_order(targets.shipped))
        assert rest.circuit_state == CircuitState.CLOSED
    assert (error.reason, len(service.requests)) == ("rejected", 1)


def test_that_a_missing_secret_stops_the_connector_from_starting(service: OrderService) -> None:
    with pytest.raises(ConfigError, match="ACME_OMS_TOKEN is not set"):
        RestOrderSystem(config=config_for(service), environ={})


def test_that_an_answer_the_mapping_does_not_fit_is_a_bad_response(
    service: OrderService, targets: Targets
) -> None:
    with connector(service, mapping={"order": {"status": "orderState"}}) as rest:
        error = unavailable(lambda: rest.get_order(targets.shipped))
    assert error.reason == "bad_response"
    assert "order.status (remote orderState): missing" in error.message


# the circuit breaker


def open_breaker(rest: RestOrderSystem, service: OrderService, order_id: OrderId) -> None:
    service.fail_next(100)
    for _ in range(3):
        assert unavailable(lambda: rest.get_order(order_id)).reason == "server_error"
    assert len(service.requests) == 3


def test_that_the_breaker_opens_after_consecutive_failures_and_then_fails_fast(
    service: OrderService, targets: Targets
) -> None:
    with connector(service, **ONE_ATTEMPT) as rest:
        open_breaker(rest, service, targets.shipped)
        started = time.monotonic()
        for _ in range(5):
            assert unavailable(lambda: rest.get_order(targets.shipped)).reason == "circuit_open"
        assert time.monotonic() - started < 0.05
        assert rest.circuit_state == CircuitState.OPEN
    assert len(service.requests) == 3


def test_that_a_breaker_opening_during_a_call_ends_it_with_the_failure_seen(
    service: OrderService, targets: Targets
) -> None:
    service.fail_next(100)
    with connector(service, circuit_breaker={"failure_threshold": 2}) as rest:
        error = unavailable(lambda: rest.get_order(targets.shipped))
    assert error.reason == "server_error"
    assert error.message.endswith(
        "(server_error): after 2 attempts: HTTP 503, then the circuit breaker opened"
    )
    assert len(service.requests) == 2


def test_that_the_breaker_half_opens_after_the_cool_down_and_closes_on_success(
    service: OrderService, targets: Targets, embedded: SqlOrderStore
) -> None:
    with connector(service, **ONE_ATTEMPT) as rest:
        open_breaker(rest, service, targets.shipped)
        service.clear_faults()
        time.sleep(COOL_DOWN)
        assert rest.circuit_state == CircuitState.HALF_OPEN
        assert rest.get_order(targets.shipped) == embedded.get_order(targets.shipped)
        assert rest.circuit_state == CircuitState.CLOSED
        rest.get_tracking(targets.shipped)
    assert len(service.requests) == 5


def test_that_a_failed_trial_opens_the_breaker_for_another_cool_down(
    service: OrderService, targets: Targets
) -> None:
    with connector(service, **ONE_ATTEMPT) as rest:
        open_breaker(rest, service, targets.shipped)
        time.sleep(COOL_DOWN)
        assert unavailable(lambda: rest.get_order(targets.shipped)).reason == "server_error"
        assert unavailable(lambda: rest.get_order(targets.shipped)).reason == "circuit_open"
        assert rest.circuit_state == CircuitState.OPEN
    assert len(service.requests) == 4


def test_that_a_half_open_breaker_lets_one_trial_through_at_a_time(
    service: OrderService, targets: Targets
) -> None:
    with connector(service, **ONE_ATTEMPT) as rest:
        open_breaker(rest, service, targets.shipped)
        service.clear_faults()
        time.sleep(COOL_DOWN)
        service.stall_next(1, seconds=0.3)
        trial = threading.Thread(target=rest.get_order, args=(targets.shipped,))
        trial.start()
        deadline = time.monotonic() + 5
        while len(service.requests) < 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert unavailable(lambda: rest.get_order(targets.shipped)).reason == "circuit_open"
        trial.join(timeout=5)
        assert rest.circuit_state == CircuitState.CLOSED
    assert len(service.requests) == 4


# privacy


@pytest.fixture
def every_log_level() -> Iterator[None]:
    """Let structlog pass every level (a server may run at debug), whatever was configured."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    yield
    structlog.configure(**saved)


def test_that_logs_and_errors_hold_no_personal_data(
    rest: RestOrderSystem,
    service: OrderService,
    dataset: RetailDataset,
    targets: Targets,
    every_log_level: None,
) -> None:
    person = dataset.customers[0]
    with structlog.testing.capture_logs() as events:
        rest.find_customer(email=person.email)
        rest.find_customer(phone=person.phone)
        rest.update_shipping_address(
            order_id=targets.pending, address=NEW_HOME, idempotency_key="k"
        )
        service.fail_next(3)
        error = unavailable(lambda: rest.find_customer(email=person.email))
    logged = repr(events)
    assert {"order_system.write.applied", "order_system.call.unavailable"} <= {
        e["event"] for e in events
    }
    for personal in (person.email, person.phone, NEW_HOME.line1, person.address.line1):
        assert personal not in logged
        assert personal not in error.message

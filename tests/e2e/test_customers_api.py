"""Customers and their orders over HTTP, read through the order-system connector."""

from datetime import date

import httpx
import pytest

from cxops.demo.retail import RetailDataset, generate
from cxops.demo.seed import load
from cxops.domain.access import Role
from tests.e2e.conftest import LiveServer


@pytest.fixture(scope="module")
def dataset() -> RetailDataset:
    return generate(today=date(2026, 11, 1), customers=60, products=30, orders=300)


@pytest.fixture
def shop(server: LiveServer, dataset: RetailDataset) -> RetailDataset:
    load(server.container.uow, dataset)
    return dataset


def test_that_a_customer_comes_with_their_orders_newest_first(
    api: httpx.Client, shop: RetailDataset
) -> None:
    customer = max(shop.customers, key=lambda c: sum(o.customer_id == c.id for o in shop.orders))
    theirs = sorted(
        (o for o in shop.orders if o.customer_id == customer.id),
        key=lambda o: o.placed_at,
        reverse=True,
    )

    response = api.get(f"/v1/customers/{customer.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == customer.email
    assert body["segment"] == customer.segment.value
    assert [o["id"] for o in body["orders"]] == [o.id for o in theirs[:20]]
    first = body["orders"][0]
    assert first["total_cents"] == theirs[0].total_cents
    assert len(first["items"]) == len(theirs[0].items)


def test_that_shipments_carry_carrier_tracking_and_eta(
    api: httpx.Client, shop: RetailDataset
) -> None:
    shipped = next(o for o in shop.orders if o.shipments)
    orders = api.get(f"/v1/customers/{shipped.customer_id}").json()["orders"]
    shipment = next(o for o in orders if o["id"] == shipped.id)["shipments"][0]
    assert shipment["carrier"] == shipped.shipments[0].carrier
    assert shipment["tracking_number"] == shipped.shipments[0].tracking_number


def test_that_a_customer_is_found_by_email_in_any_letter_case(
    api: httpx.Client, shop: RetailDataset
) -> None:
    customer = shop.customers[3]
    found = api.get("/v1/customers", params={"email": customer.email.upper()}).json()
    assert [c["id"] for c in found["customers"]] == [customer.id]


def test_that_an_unknown_email_finds_nobody(api: httpx.Client, shop: RetailDataset) -> None:
    found = api.get("/v1/customers", params={"email": "nobody@example.com"})
    assert found.status_code == 200
    assert found.json() == {"customers": []}


def test_that_an_unknown_customer_is_a_404(api: httpx.Client, shop: RetailDataset) -> None:
    response = api.get("/v1/customers/C999999")
    assert response.status_code == 404
    assert "C999999" in response.json()["error"]["message"]


def test_that_a_lookup_without_an_email_names_the_missing_parameter(api: httpx.Client) -> None:
    response = api.get("/v1/customers")
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "query.email"


def test_that_a_conversation_can_be_opened_for_a_known_customer(
    api: httpx.Client, shop: RetailDataset
) -> None:
    customer = shop.customers[0]
    response = api.post("/v1/conversations", json={"channel": "email", "customer_id": customer.id})
    assert response.status_code == 201
    assert response.json()["customer_id"] == customer.id


def test_that_a_terse_message_is_read_in_the_customers_own_language(
    api: httpx.Client, shop: RetailDataset
) -> None:
    hispanic = next(c for c in shop.customers if c.preferred_language == "es")
    conversation = api.post(
        "/v1/conversations", json={"channel": "sms", "customer_id": hispanic.id}
    ).json()["id"]

    posted = api.post(f"/v1/conversations/{conversation}/messages", json={"text": "ok thx"})

    assert posted.json()["message"]["triage"]["language"]["code"] == "es"


def test_that_an_agent_sees_contact_details_masked_and_a_supervisor_sees_them_whole(
    server: LiveServer, shop: RetailDataset
) -> None:
    customer = shop.customers[0]
    with server.client(Role.AGENT) as agent, server.client(Role.SUPERVISOR) as supervisor:
        masked = agent.get(f"/v1/customers/{customer.id}").json()
        whole = supervisor.get(f"/v1/customers/{customer.id}").json()
    assert masked["email"] == customer.email[0] + "•••@" + customer.email.split("@")[1]
    assert masked["address"]["line1"] == "•••"
    assert masked["address"]["postal_code"] == customer.address.postal_code
    assert all(o["shipping_address"]["line1"] == "•••" for o in masked["orders"])
    assert whole["email"] == customer.email
    assert whole["address"]["line1"] == customer.address.line1

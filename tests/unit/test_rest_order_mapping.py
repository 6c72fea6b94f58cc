"""Reading a remote order system's JSON through a field mapping, and writing request bodies."""

from datetime import UTC, datetime
from typing import Any

import pytest

from cxops.connectors.rest_order_config import (
    AddressChangeBody,
    AddressFields,
    FieldMapping,
    RefundBody,
    RefundFields,
    ValueMaps,
)
from cxops.connectors.rest_order_mapping import (
    MappingError,
    address_change_body,
    get_path,
    read_many,
    read_refund,
    refund_body,
)
from cxops.domain.customers import Address
from cxops.domain.orders import RefundStatus

DECIMAL = FieldMapping(
    money="decimal",
    refund=RefundFields(amount_cents="amount.value", status="state"),
    values=ValueMaps(refund_status={"SETTLED": RefundStatus.COMPLETED}),
)


def refund_document(**changes: Any) -> dict[str, Any]:
    return {
        "id": "rf_1",
        "order_id": "W1",
        "amount": {"value": "12.30"},
        "reason": "goodwill",
        "state": "SETTLED",
        "created_at": "2026-11-01T04:00:00-05:00",
        **changes,
    }


def test_that_a_path_walks_objects_and_lists() -> None:
    document = {"errors": [{"code": "X"}], "data": {"state": None}}
    assert get_path(document, "errors.0.code") == "X"
    assert get_path(document, "errors.1.code") is None
    assert get_path(document, "data.state") is None
    assert get_path(document, "data.state.deeper") is None


def test_that_decimal_money_timestamps_and_value_maps_are_read_into_cxops_terms() -> None:
    refund = read_refund(refund_document(), DECIMAL)
    assert refund.amount_cents == 1230
    assert refund.status == RefundStatus.COMPLETED
    assert refund.created_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert refund.created_at.tzinfo == UTC
    assert refund.return_id is None


@pytest.mark.parametrize(("amount", "cents"), [("12", 1200), (7, 700), ("0.05", 5), (1.1, 110)])
def test_that_decimal_amounts_become_cents(amount: object, cents: int) -> None:
    assert read_refund(refund_document(amount={"value": amount}), DECIMAL).amount_cents == cents


@pytest.mark.parametrize("amount", ["12.345", "twelve", True, "NaN", None])
def test_that_an_amount_that_is_not_whole_cents_is_refused(amount: object) -> None:
    with pytest.raises(MappingError, match=r"refund\.amount_cents \(remote amount\.value\)"):
        read_refund(refund_document(amount={"value": amount}), DECIMAL)


def test_that_a_timestamp_without_an_offset_is_utc() -> None:
    refund = read_refund(refund_document(created_at="2026-11-01T09:00:00"), DECIMAL)
    assert refund.created_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_that_an_unknown_status_names_the_field_and_the_value() -> None:
    with pytest.raises(MappingError) as raised:
        read_refund(refund_document(state="BOUNCED"), DECIMAL)
    assert str(raised.value) == (
        "refund.status (remote state): unknown value 'BOUNCED'; add it to mapping.values"
    )


def test_that_a_value_of_the_wrong_kind_is_named_but_not_quoted() -> None:
    with pytest.raises(MappingError) as raised:
        read_many([refund_document(), refund_document(reason=15550100)], read_refund, DECIMAL)
    assert str(raised.value) == "[1] refund.reason (remote reason): expected a string"


def test_that_a_request_body_names_remote_fields_in_cxops_terms() -> None:
    fields = AddressFields(line1="street", postal_code="post.zip")
    body = address_change_body(
        AddressChangeBody(address="shipTo"),
        address=Address(line1="9 Elm St", city="Shelbyville", postal_code="54321", country="US"),
        fields=fields,
    )
    assert body.document["shipTo"] == {
        "street": "9 Elm St",
        "line2": "",
        "city": "Shelbyville",
        "region": "",
        "post": {"zip": "54321"},
        "country": "US",
    }
    assert body.our_field("shipTo.post.zip") == "address.postal_code"
    assert body.our_field("shipTo.post") == "address"
    assert body.our_field("shipTo.unknown") == "address"
    assert body.our_field("somethingElse") == "somethingElse"


def test_that_refund_amounts_are_written_as_the_mapping_says() -> None:
    body = RefundBody(amount_cents="refund.amount", reason="refund.memo", return_id="refund.rma")
    as_decimal = refund_body(body, amount_cents=1205, reason="r", return_id=None, money="decimal")
    assert as_decimal.document == {"refund": {"amount": "12.05", "memo": "r"}}
    as_cents = refund_body(body, amount_cents=1205, reason="r", return_id="ret_1", money="cents")
    assert as_cents.document == {"refund": {"amount": 1205, "memo": "r", "rma": "ret_1"}}

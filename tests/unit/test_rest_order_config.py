"""The REST order system's YAML: the shipped example, and errors that name the line and field."""

import types
import typing
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from cxops.configfile import ConfigError, load_model
from cxops.connectors.rest_order_config import RestOrderSystemConfig, load_rest_order_config

EXAMPLE = files("cxops.data") / "connectors" / "rest_order_system.example.yaml"

MINIMAL_ENDPOINTS = """\
endpoints:
  customer_by_id: {path: "/customers/{customer_id}"}
  customer_by_email: {path: "/customers?email={email}"}
  customer_by_phone: {path: "/customers?phone={phone}"}
  list_orders: {path: "/customers/{customer_id}/orders"}
  get_order: {path: "/orders/{order_id}"}
  cancel_order: {path: "/orders/{order_id}/cancel"}
  update_shipping_address: {path: "/orders/{order_id}/address"}
  create_return: {path: "/orders/{order_id}/returns"}
  issue_refund: {path: "/orders/{order_id}/refunds"}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_model(text, RestOrderSystemConfig, source="oms.yaml")
    return list(raised.value.problems)


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds, if any (`Auth | None` -> `Auth`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found = [model_of(arg) for arg in typing.get_args(annotation)]
        return next((m for m in found if m is not None), None)
    return None


def owner(model: type[BaseModel], name: str) -> str:
    """The class that declares field `name` (a field shared by all endpoints is shown once)."""
    declared = next(c for c in model.__mro__ if name in vars(c).get("__annotations__", {}))
    return f"{declared.__name__}.{name}"


def fields_shown(model: type[BaseModel], document: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(every field declared along `model`'s tree, those `document` shows)."""
    declared, shown = set(), set()
    for name, field in model.model_fields.items():
        key = field.alias or name
        declared.add(owner(model, name))
        if key not in document:
            continue
        shown.add(owner(model, name))
        nested = model_of(field.annotation)
        if nested is not None:
            more_declared, more_shown = fields_shown(nested, document[key])
            declared |= more_declared
            shown |= more_shown
    return declared, shown


def test_that_the_shipped_example_is_valid_and_shows_every_field() -> None:
    config = load_model(EXAMPLE.read_text(encoding="utf-8"), RestOrderSystemConfig, source="ex")
    assert config.mapping.money == "decimal"
    declared, shown = fields_shown(
        RestOrderSystemConfig, yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    )
    assert sorted(declared - shown) == []


def test_that_cxops_own_vocabulary_needs_no_mapping() -> None:
    config = load_model(
        "base_url: https://oms.example.com\n" + MINIMAL_ENDPOINTS,
        RestOrderSystemConfig,
        source="oms.yaml",
    )
    assert config.mapping.order.status == "status"
    assert config.endpoints.cancel_order.method == "POST"
    assert config.endpoints.get_tracking is None
    assert config.endpoints.reship_order is None
    assert config.idempotency_header == "Idempotency-Key"


def test_that_every_problem_is_reported_with_its_line_and_field() -> None:
    text = """\
base_url: not a url
timeouts:
  read_seconds: -1
endpoints:
  get_order:
    path: /orders/{orderid}
mapping:
  money: dollars
  order:
    staus: state
  values:
    order_status:
      NEW: fresh
auth:
  secret_env: 1TOKEN
"""
    found = problems(text)
    expected = [
        "oms.yaml:1: base_url: ",
        "oms.yaml:3: timeouts.read_seconds: Input should be greater than 0",
        "oms.yaml:6: endpoints.get_order.path: Value error, {orderid} is not offered here; "
        "this endpoint offers {order_id}",
        "oms.yaml:5: endpoints.cancel_order: Field required",
        "oms.yaml:8: mapping.money: Input should be 'cents' or 'decimal'",
        "oms.yaml:10: mapping.order.staus: Extra inputs are not permitted",
        "oms.yaml:13: mapping.values.order_status.NEW: Input should be 'pending', ",
        "oms.yaml:15: auth.secret_env: Value error, must be the name of an environment variable",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), (start, found)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/orders", "must contain {order_id}"),
        ("/orders/{id}", "{id} is not offered here; this endpoint offers {order_id}"),
        ("/orders/{order_id!r}", "{order_id} is not offered here"),
        ("/orders/{order_id:>9}", "{order_id} is not offered here"),
        ("/orders/{order_id", "is not a valid template"),
        ("orders/{order_id}", "must start with /"),
    ],
)
def test_that_an_endpoint_path_may_only_use_the_placeholders_of_its_operation(
    path: str, message: str
) -> None:
    text = "base_url: https://oms.example.com\n" + MINIMAL_ENDPOINTS.replace(
        '"/orders/{order_id}"', f'"{path}"'
    )
    (problem,) = problems(text)
    assert problem.startswith("oms.yaml:7: endpoints.get_order.path: Value error, ")
    assert message in problem


def test_that_request_fields_may_not_overlap() -> None:
    text = "base_url: https://oms.example.com\n" + MINIMAL_ENDPOINTS.replace(
        'create_return: {path: "/orders/{order_id}/returns"}',
        'create_return: {path: "/orders/{order_id}/returns", body: {items: rma, reason: rma.why}}',
    )
    (problem,) = problems(text)
    assert problem == (
        "oms.yaml:10: endpoints.create_return.body: "
        "Value error, rma and rma.why overlap; a request cannot hold both"
    )


def test_that_a_reship_endpoint_is_a_post_like_cancellation() -> None:
    text = (
        "base_url: https://oms.example.com\n"
        + MINIMAL_ENDPOINTS
        + '  reship_order: {path: "/orders/{order_id}/reship"}\n'
    )
    reship = load_model(text, RestOrderSystemConfig, source="oms.yaml").endpoints.reship_order
    assert reship is not None
    assert (reship.method, reship.path, reship.body.reason) == (
        "POST",
        "/orders/{order_id}/reship",
        "reason",
    )
    (problem,) = problems(text.replace("/orders/{order_id}/reship", "/orders/reship"))
    assert problem.startswith("oms.yaml:12: endpoints.reship_order.path: Value error, ")
    assert "must contain {order_id}" in problem


def test_that_list_orders_may_pass_the_limit_on() -> None:
    text = "base_url: https://oms.example.com\n" + MINIMAL_ENDPOINTS.replace(
        "/customers/{customer_id}/orders", "/customers/{customer_id}/orders?max={limit}"
    )
    config = load_model(text, RestOrderSystemConfig, source="oms.yaml")
    assert config.endpoints.list_orders.path.endswith("?max={limit}")


def test_that_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_rest_order_config(tmp_path / "nope.yaml")

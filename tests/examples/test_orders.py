"""The orders example on PostgreSQL, and the parity check with its Flask "before" version.

The same requests are replayed against both apps: valid orders must give the same order back (ids and timestamps
aside), and every invalid order must be refused by both (Flask's hand validation answers 400 with the first
problem; Zephyr answers 422 listing every problem, at the same place).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from examples.orders import Settings, create_app

from examples import orders_flask
from zephyr.testclient import TestClient

pytestmark = pytest.mark.services


@pytest.fixture
def client(database_url: str, unique: str) -> Iterator[TestClient]:
    try:
        with TestClient(create_app(Settings(database_url=database_url, orders_table=unique))) as client:
            yield client
    finally:
        with psycopg.connect(database_url) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {unique}")  # this run's own table only


def _item(**changes: Any) -> dict[str, Any]:
    return {"product_id": 7, "quantity": 2, "unit_price": "9.95", **changes}


def _order(**changes: Any) -> dict[str, Any]:
    return {"customer_email": "ada@example.com", "items": [_item()], **changes}


VALID = [
    _order(),
    _order(items=[_item(), _item(product_id=8, quantity=100, unit_price=0.5), _item(unit_price="12.3")]),
    _order(customer_email="bob.smith+shop@example.co.uk", items=[_item(unit_price=19)]),
]

INVALID: list[tuple[Any, list[Any]]] = [
    (_order(customer_email="not-an-email"), ["body", "customer_email"]),
    (_order(items=[]), ["body", "items"]),
    (_order(items=[_item()] * 51), ["body", "items"]),
    (_order(items=[_item(product_id=0)]), ["body", "items", 0, "product_id"]),
    (_order(items=[_item(quantity=101)]), ["body", "items", 0, "quantity"]),
    (_order(items=[_item(), _item(quantity=0)]), ["body", "items", 1, "quantity"]),
    (_order(items=[_item(unit_price="-1")]), ["body", "items", 0, "unit_price"]),
    (_order(items=[_item(unit_price="1.999")]), ["body", "items", 0, "unit_price"]),
    (_order(items=[_item(unit_price="free")]), ["body", "items", 0, "unit_price"]),
    (_order(items=["pen"]), ["body", "items", 0]),
    ({"items": [_item()]}, ["body", "customer_email"]),
    ([_order()], ["body"]),
]


def _comparable(order: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in order.items() if key not in ("id", "created_at")}


def test_valid_orders_give_the_same_answers_on_both(client: TestClient) -> None:
    before = orders_flask.create_app().test_client()
    totals = []
    for body in VALID:
        ours, theirs = client.post("/orders", json=body), before.post("/orders", json=body)
        assert (ours.status_code, theirs.status_code) == (201, 201)
        assert _comparable(ours.json()) == _comparable(theirs.get_json())
        assert ours.json()["created_at"].endswith("Z")
        assert client.get(f"/orders/{ours.json()['id']}").json() == ours.json()
        totals.append(ours.json()["total"])
    assert totals == ["19.90", "94.50", "38.00"]  # the same strings from both


def test_the_total_is_computed_by_the_server(client: TestClient) -> None:
    order = client.post("/orders", json={**VALID[1], "total": "0.01", "status": "paid"}).json()
    assert (order["total"], order["status"]) == ("94.50", "pending")  # 19.90 + 50.00 + 24.60


@pytest.mark.parametrize(("body", "loc"), INVALID)
def test_invalid_orders_are_refused_by_both(client: TestClient, body: Any, loc: list[Any]) -> None:
    theirs = orders_flask.create_app().test_client().post("/orders", json=body)
    assert theirs.status_code == 400
    assert set(theirs.get_json()) == {"error"}
    ours = client.post("/orders", json=body)
    assert ours.status_code == 422
    assert loc in [error["loc"][: len(loc)] for error in ours.json()["detail"]]


def test_zephyr_lists_every_problem_where_flask_stops_at_the_first(client: TestClient) -> None:
    body = _order(customer_email="nope", items=[_item(quantity=0, unit_price="-2")])
    theirs = orders_flask.create_app().test_client().post("/orders", json=body).get_json()
    assert theirs == {"error": "customer_email must be an email address"}
    ours = client.post("/orders", json=body).json()["detail"]
    assert [error["loc"] for error in ours] == [
        ["body", "customer_email"],
        ["body", "items", 0, "quantity"],
        ["body", "items", 0, "unit_price"],
    ]


def test_unknown_orders_are_404_on_both(client: TestClient) -> None:
    assert client.get("/orders/123456789").json() == {"detail": "Order 123456789 not found"}
    assert orders_flask.create_app().test_client().get("/orders/123456789").status_code == 404

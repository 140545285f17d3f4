"""The hybrid example: the Flask app and the new Zephyr API answering from one ASGI app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from examples import hybrid
from zephyr.testclient import TestClient


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(hybrid, "PRODUCTS", {key: dict(value) for key, value in hybrid.PRODUCTS.items()})
    with TestClient(hybrid.create_app()) as client:
        yield client


def test_the_flask_app_still_answers_its_urls(client: TestClient) -> None:
    home = client.get("/")
    assert (home.status_code, home.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert home.text == '<h1>Shop</h1><a href="/api/v1/products">products</a>'
    products = client.get("/api/v1/products")
    assert [product["name"] for product in products.json()] == ["Pen", "Notebook", "Lamp"]
    assert client.get("/api/v1/products/2").json() == {"id": 2, "name": "Notebook", "price": 4.0}
    missing = client.get("/api/v1/products/99")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert "Not Found" in missing.text  # Flask's own 404 page


def test_the_new_api_is_zephyr(client: TestClient) -> None:
    cheap = client.get("/api/v2/products?max_price=5")
    assert cheap.json() == [{"name": "Pen", "price": 1.5, "id": 1}, {"name": "Notebook", "price": 4.0, "id": 2}]
    assert client.get("/api/v2/products?max_price=-1").status_code == 422
    missing = client.get("/api/v2/products/99")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Product 99 not found"})


def test_a_product_added_through_zephyr_is_seen_by_flask(client: TestClient) -> None:
    created = client.post("/api/v2/products", json={"name": "Desk", "price": 120})
    assert (created.status_code, created.json()) == (201, {"name": "Desk", "price": 120.0, "id": 4})
    assert client.get("/api/v1/products/4").json() == {"id": 4, "name": "Desk", "price": 120.0}
    assert client.post("/api/v2/products", json={"name": "", "price": 0}).status_code == 422


def test_only_the_zephyr_routes_are_documented(client: TestClient) -> None:
    assert sorted(client.get("/openapi.json").json()["paths"]) == ["/api/v2/products", "/api/v2/products/{product_id}"]
    assert client.get("/docs").status_code == 200

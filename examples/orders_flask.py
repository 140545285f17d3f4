"""The orders service before the migration: Flask, every field checked by hand (compare ``examples/orders.py``).

This is the code the article's e-commerce case starts from: about as long as the Zephyr version's models and routes
together, yet it stops at the first problem, has no schema for its clients, and each new field means another
``if``. It keeps orders in memory to stay short (the Zephyr version stores them in PostgreSQL).

Run it: ``flask --app examples.orders_flask run``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

__all__ = ("app", "create_app", "validate_order")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _positive_int(value: Any, upper: int | None = None) -> bool:
    return type(value) is int and value > 0 and (upper is None or value <= upper)


def validate_order(data: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Check an order by hand: the cleaned order, or the first problem found."""
    if not isinstance(data, dict):
        return None, "body must be a JSON object"
    email = data.get("customer_email")
    if not isinstance(email, str) or not EMAIL.match(email):
        return None, "customer_email must be an email address"
    items = data.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        return None, "items must be a list of 1 to 50 items"
    cleaned = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            return None, f"items[{number}] must be an object"
        if not _positive_int(item.get("product_id")):
            return None, f"items[{number}].product_id must be a positive integer"
        if not _positive_int(item.get("quantity"), 100):
            return None, f"items[{number}].quantity must be an integer from 1 to 100"
        try:
            price = Decimal(str(item.get("unit_price")))
        except InvalidOperation:
            return None, f"items[{number}].unit_price must be a number"
        if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")) or price >= 10**8:
            return None, f"items[{number}].unit_price must be positive, with at most 2 decimals"
        cleaned.append({"product_id": item["product_id"], "quantity": item["quantity"], "unit_price": str(price)})
    return {"customer_email": email, "items": cleaned}, None


def create_app() -> Flask:
    """The Flask app, with its own in-memory store."""
    app = Flask(__name__)
    orders: dict[int, dict[str, Any]] = {}

    @app.post("/orders")
    def create_order() -> ResponseReturnValue:
        order, problem = validate_order(request.get_json(silent=True))
        if order is None:
            return jsonify(error=problem), 400
        total = sum(Decimal(item["unit_price"]) * item["quantity"] for item in order["items"]).quantize(Decimal("0.01"))
        order_id = len(orders) + 1
        orders[order_id] = {
            "id": order_id,
            **order,
            "status": "pending",
            "total": str(total),
            "created_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        }
        return jsonify(orders[order_id]), 201

    @app.get("/orders/<int:order_id>")
    def read_order(order_id: int) -> ResponseReturnValue:
        if order_id not in orders:
            abort(404)
        return jsonify(orders[order_id])

    return app


app = create_app()

"""Data every benchmark app serves: the same items, users and token, so the bodies match across frameworks."""

from __future__ import annotations

from typing import Any

__all__ = ("EXTRA_ROUTES", "ITEMS", "TOKEN", "USERS_BY_TOKEN")

TOKEN = "bench-token-0123456789"
"""The bearer token S5 sends; any other token is answered with 401."""

USERS_BY_TOKEN: dict[str, dict[str, Any]] = {
    TOKEN: {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"},
}
"""The "database" the S5 dependency chain reads: token -> user."""

ITEMS: list[dict[str, Any]] = [
    {"id": i, "name": f"Item {i}", "price": round(1.5 + i * 0.25, 2), "tags": ["tools", f"tag{i % 7}", "sale"]}
    for i in range(100)
]
"""The 100 rows S4 returns through a ``list[Item]`` response model."""

EXTRA_ROUTES = 200
"""How many ``/r{i}/{x}`` routes each app registers (S7 hits the last, S7a the first)."""

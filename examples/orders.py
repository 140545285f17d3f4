"""The article's e-commerce case: ``POST /orders`` validated by its models and stored in PostgreSQL.

``OrderCreate`` (a customer email, one to fifty items, each a product id, a quantity from 1 to 100 and a unit price)
becomes an ``OrderResponse`` (the stored order with its id, status and total, computed in ``Decimal``). Invalid
orders are refused with FastAPI's 422 body, which lists every problem at once; the OpenAPI document describes both
models. ``GET /orders/{order_id}`` reads an order back.

``examples/orders_flask.py`` is the same service as it was before the migration: Flask, validated by hand.
``tests/examples/test_orders.py`` replays the same requests against both and compares the answers.

Settings from the environment (pydantic-settings): ``DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) and ``ORDERS_TABLE`` (default ``orders``; created if missing).

Run it: ``zephyr run examples.orders:app``, then ``curl -X POST localhost:8000/orders -H 'content-type:
application/json' -d '{"customer_email": "ada@example.com", "items": [{"product_id": 7, "quantity": 2,
"unit_price": "9.95"}]}'``. Needs ``pip install 'zephyr[examples]'``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import asyncpg
from pydantic import BaseModel, EmailStr, Field
from pydantic_settings import BaseSettings

from zephyr import Depends, FastAPI, HTTPException, Request, status

__all__ = ("Connection", "OrderCreate", "OrderItem", "OrderResponse", "Settings", "app", "connection", "create_app")

Price = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    database_url: str = "postgresql://postgres@127.0.0.1:5432/test"
    orders_table: str = Field(default="orders", pattern=r"^[a-z_][a-z0-9_]{0,62}$")


class OrderItem(BaseModel):
    """One line of an order."""

    product_id: int = Field(gt=0, examples=[7])
    quantity: int = Field(ge=1, le=100, examples=[2])
    unit_price: Price = Field(examples=["9.95"])


class OrderCreate(BaseModel):
    """The body of ``POST /orders``."""

    customer_email: EmailStr
    items: list[OrderItem] = Field(min_length=1, max_length=50)


class OrderResponse(OrderCreate):
    """A stored order."""

    id: int
    status: Literal["pending", "paid", "shipped"]
    total: Decimal
    created_at: datetime


async def connection(request: Request) -> AsyncIterator[Any]:
    """A connection borrowed from the app's pool for the time of the request."""
    async with request.app.state.pool.acquire() as conn:
        yield conn


Connection = Annotated[Any, Depends(connection)]
"""An ``asyncpg.Connection`` (typed ``Any``: asyncpg ships no type hints)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()
    table = settings.orders_table  # checked by its pattern: safe to put in SQL
    columns = "id, customer_email, items, status, total, created_at"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with asyncpg.create_pool(settings.database_url, min_size=1, max_size=10) as pool:
            await pool.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ("
                " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_email text NOT NULL,"
                " items jsonb NOT NULL, status text NOT NULL DEFAULT 'pending', total numeric(12, 2) NOT NULL,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            )
            app.state.pool = pool
            yield

    app = FastAPI(title="Orders", lifespan=lifespan)

    def order(row: Any) -> dict[str, Any]:
        return {**dict(row), "items": json.loads(row["items"])}

    @app.post("/orders", status_code=status.HTTP_201_CREATED, response_model=OrderResponse, tags=["orders"])
    async def create_order(body: OrderCreate, conn: Connection) -> Any:
        """Store an order; its total is computed here, never trusted from the client."""
        total = sum((item.unit_price * item.quantity for item in body.items), Decimal("0"))
        items = json.dumps([item.model_dump(mode="json") for item in body.items])
        row = await conn.fetchrow(
            f"INSERT INTO {table} (customer_email, items, total) VALUES ($1, $2, $3) RETURNING {columns}",
            body.customer_email,
            items,
            total,
        )
        return order(row)

    @app.get("/orders/{order_id}", response_model=OrderResponse, tags=["orders"])
    async def read_order(order_id: int, conn: Connection) -> Any:
        """Read an order by id."""
        row = await conn.fetchrow(f"SELECT {columns} FROM {table} WHERE id = $1", order_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Order {order_id} not found")
        return order(row)

    return app


app = create_app()

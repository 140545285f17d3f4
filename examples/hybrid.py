"""A gradual migration: the existing Flask app and the new Zephyr API served together, as one Zephyr app.

The article mounts both under Werkzeug's ``DispatcherMiddleware`` (``DispatcherMiddleware(flask_app, {"/api/v2":
fastapi_app})``) and needs a WSGI and an ASGI server at once. Here it is one ASGI app on one server: the new API's
routes are Zephyr routes (``/api/v2/...``, validated and in ``/docs``), and ``mount_flask(app, "/", legacy)`` hands
every request no Zephyr route matches to the untouched Flask app, which runs in a thread pool. Moving an endpoint
means adding a Zephyr route for its URL: it wins from then on, and the Flask view can be deleted.

- Flask (unchanged): ``GET /`` (a page), ``GET /api/v1/products``, ``GET /api/v1/products/<id>``, its own 404 page;
- Zephyr (new): ``GET /api/v2/products`` (filtered by ``max_price``), ``GET /api/v2/products/{product_id}``,
  ``POST /api/v2/products`` (validated), ``/docs`` and ``/openapi.json``.

Both read the same product list (``PRODUCTS``), as both would read the same database.

Settings from the environment (pydantic-settings): ``FLASK_THREADS`` (default 10), how many Flask requests run at
once.

Run it: ``zephyr run examples.hybrid:app``, then ``curl localhost:8000/api/v1/products`` (Flask) and
``curl localhost:8000/api/v2/products?max_price=10`` (Zephyr).
"""

from __future__ import annotations

from typing import Any

import flask
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from zephyr import APIRouter, FastAPI, HTTPException, Query, status
from zephyr.flask import mount_flask

__all__ = ("PRODUCTS", "Product", "Settings", "app", "create_app", "create_legacy_app")

PRODUCTS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "name": "Pen", "price": 1.5},
    2: {"id": 2, "name": "Notebook", "price": 4.0},
    3: {"id": 3, "name": "Lamp", "price": 25.0},
}


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    flask_threads: int = 10


def create_legacy_app() -> flask.Flask:
    """The existing Flask app, as it was."""
    legacy = flask.Flask("legacy")

    @legacy.route("/")
    def home() -> str:
        return '<h1>Shop</h1><a href="/api/v1/products">products</a>'

    @legacy.route("/api/v1/products")
    def products() -> flask.Response:
        return flask.jsonify(list(PRODUCTS.values()))

    @legacy.route("/api/v1/products/<int:product_id>")
    def product(product_id: int) -> flask.Response:
        if product_id not in PRODUCTS:
            flask.abort(404)
        return flask.jsonify(PRODUCTS[product_id])

    return legacy


class Product(BaseModel):
    """A product, as the v2 API takes and answers it."""

    name: str = Field(min_length=1, max_length=100)
    price: float = Field(gt=0)


class StoredProduct(Product):
    """A product with its id."""

    id: int


v2 = APIRouter(prefix="/api/v2", tags=["v2"])


@v2.get("/products")
async def list_products(max_price: float | None = Query(default=None, gt=0)) -> list[StoredProduct]:
    """Products, optionally only those at most ``max_price``."""
    return [
        StoredProduct(**product) for product in PRODUCTS.values() if max_price is None or product["price"] <= max_price
    ]


@v2.get("/products/{product_id}")
async def read_product(product_id: int) -> StoredProduct:
    """One product, or 404."""
    if product_id not in PRODUCTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Product {product_id} not found")
    return StoredProduct(**PRODUCTS[product_id])


@v2.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(product: Product) -> StoredProduct:
    """Add a product; the Flask app sees it too."""
    stored = StoredProduct(id=max(PRODUCTS, default=0) + 1, **product.model_dump())
    PRODUCTS[stored.id] = stored.model_dump()
    return stored


def create_app(settings: Settings | None = None) -> FastAPI:
    """One app: Zephyr's routes first, the Flask app for everything else."""
    settings = settings or Settings()
    app = FastAPI(title="Shop: Flask and Zephyr together")
    app.include_router(v2)
    mount_flask(app, "/", create_legacy_app(), workers=settings.flask_threads)
    return app


app = create_app()

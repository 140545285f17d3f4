"""One Flask app, built on the ``flask`` module or on ``zephyr.flask``: the Flask face's benchmark.

``build(flask)`` and ``build(zephyr.flask)`` make the same app from the same source: a JSON endpoint, a template
page (a Jinja template with a loop, a filter and ``url_for``) and a form post. ``benchmarks.flask_face`` serves the
first with gunicorn (one sync worker) and the second with uvicorn (one worker), side by side.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask as FlaskApp

__all__ = ("PRODUCTS", "build")

PRODUCTS = [{"id": i, "name": f"Product {i}", "price": round(9.99 + i, 2)} for i in range(20)]
"""The rows the template page lists."""


def build(flask: ModuleType) -> Any:
    """The benchmark app, made with ``flask`` (the ``flask`` module or ``zephyr.flask``).

    Args:
        flask: The module whose ``Flask``, ``request``, ``jsonify`` and ``render_template`` to use.

    Returns:
        The app.
    """
    app: FlaskApp = flask.Flask(__name__)

    @app.get("/hello")
    def hello() -> Any:
        return "hello"  # what the harness polls to see that the server is up

    @app.get("/json")
    def json_endpoint() -> Any:
        return flask.jsonify(message="hello", items=[1, 2, 3])

    @app.get("/page")
    def page() -> Any:
        return flask.render_template("page.html", title="Products", products=PRODUCTS)

    @app.post("/form")
    def form() -> Any:
        name = flask.request.form.get("name", "")
        age = flask.request.form.get("age", 0, type=int)
        return {"name": name, "age": age, "adult": age >= 18}

    return app

"""``g``: a per-request namespace shared by the hooks and the view."""

from __future__ import annotations

import pytest

from zephyr.flask.typed import Flask, g
from zephyr.responses import Response
from zephyr.testclient import TestClient


def test_g_carries_values_from_hooks_to_the_view_per_request() -> None:
    app = Flask(__name__)
    seen: list[object] = []

    @app.before_request
    def load_user() -> None:
        assert "user" not in g
        g.user = "ann"
        g.setdefault("visits", 0)

    @app.route("/")
    async def index() -> dict[str, object]:
        g.visits += 1
        return {"user": g.user, "visits": g.visits, "missing": g.get("nothing", "default"), "keys": sorted(g)}

    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-User"] = g.pop("user")
        return response

    @app.teardown_request
    def done(exc: BaseException | None) -> None:
        seen.append(repr(g))
        del g.visits
        seen.append(g.get("visits"))

    client = TestClient(app)
    for _ in range(2):
        response = client.get("/")
        assert response.json() == {"user": "ann", "visits": 1, "missing": "default", "keys": ["user", "visits"]}
        assert response.headers["x-user"] == "ann"
    assert seen == ["<flask.g of 'index'>", None] * 2


def test_g_outside_a_request_says_where_it_works() -> None:
    with pytest.raises(RuntimeError, match="outside of a Flask-style request"):
        g.user = "x"
    assert repr(g) == "<flask.g (no request)>"


def test_g_missing_attributes_raise_attribute_error() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        with pytest.raises(AttributeError, match="'g' has no attribute 'nope'; set it first"):
            _ = g.nope
        with pytest.raises(AttributeError, match="'g' has no attribute 'nope'"):
            del g.nope
        return "ok"

    assert TestClient(app).get("/").text == "ok"

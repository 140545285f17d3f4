"""``zephyr._routing.custom``: routes that decide by their own ``matches(scope)`` sit in the route table."""

from __future__ import annotations

from typing import Any

import starlette.routing
from starlette.responses import PlainTextResponse

from zephyr import FastAPI
from zephyr._routing.custom import ScopeMatchedRoute, table_route
from zephyr._routing.match import FULL, NONE
from zephyr.routing import BaseRoute
from zephyr.testclient import TestClient


class Tenant(starlette.routing.BaseRoute):
    """A Starlette route class (Starlette's own ``Match``) keyed on a header, with a path parameter of its own."""

    def matches(self, scope: Any) -> tuple[starlette.routing.Match, dict[str, Any]]:
        tenant = dict(scope.get("headers", [])).get(b"x-tenant")
        if scope["type"] != "http" or tenant is None:
            return starlette.routing.Match.NONE, {}
        return starlette.routing.Match.FULL, {"path_params": {"tenant": tenant.decode()}, "endpoint": self.handle}

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        text = f"{scope['path_params']['tenant']} {type(scope['route']).__name__}"
        await PlainTextResponse(text)(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        if name == "tenant":
            return "/tenant"
        raise starlette.routing.NoMatchFound(name, path_params)


def test_a_route_without_a_path_is_asked_in_its_place() -> None:
    app = FastAPI()

    @app.get("/first")
    def first() -> str:
        return "first"

    app.router.routes.append(Tenant())  # type: ignore[arg-type]

    @app.get("/{anything}")
    def anything(anything: str) -> str:
        return "later " + anything

    client = TestClient(app)
    assert client.get("/first", headers={"x-tenant": "acme"}).json() == "first"
    assert client.get("/x", headers={"x-tenant": "acme"}).text == "acme Tenant"
    assert client.get("/x").json() == "later x"
    assert app.url_path_for("tenant") == "/tenant"


def test_table_route_wraps_only_routes_without_a_compiled_path() -> None:
    plain = FastAPI().router.routes[0]
    assert table_route(plain) is plain
    wrapped = table_route(Tenant())  # type: ignore[arg-type]
    assert isinstance(wrapped, ScopeMatchedRoute)
    assert wrapped.matches({"type": "http", "headers": [(b"x-tenant", b"a")]})[0] is FULL
    assert wrapped.matches({"type": "websocket", "headers": []}) == (NONE, {})
    assert isinstance(wrapped, BaseRoute) and wrapped.include_in_schema is False

"""The router calls a route's bare compiled runner past ``handle`` (``_direct_runner``), and only then."""

from __future__ import annotations

from typing import Any

import pytest

from zephyr import APIRouter, FastAPI, Request, routing
from zephyr._compile.execute import HTTPRunner
from zephyr.routing import APIRoute
from zephyr.testclient import TestClient
from zephyr.types import Receive, Scope, Send


def _route(app: FastAPI, path: str) -> APIRoute:
    return next(route for route in app.routes if isinstance(route, APIRoute) and route.path == path)


def test_a_plain_route_is_run_past_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    with TestClient(app) as client:
        route = _route(app, "/items/{item_id}")
        assert isinstance(route._direct_runner, HTTPRunner)
        assert route._direct_runner is route.app

        async def refused(*args: Any) -> None:
            raise AssertionError("handle is not on the way")

        with monkeypatch.context() as patched:
            patched.setattr(APIRoute, "handle", refused)
            assert client.get("/items/3").json() == {"item_id": 3}
        assert client.post("/items/3").status_code == 405  # another method: handle answers, as before


def test_a_route_class_that_overrides_handle_is_served_through_it() -> None:
    seen: list[str] = []

    class Logged(APIRoute):
        async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope["path"])
            await super().handle(scope, receive, send)

    app = FastAPI()
    router = APIRouter(route_class=Logged)

    @router.get("/a")
    async def a() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/b")
    async def b() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(router, prefix="/r")
    with TestClient(app) as client:
        assert client.get("/r/a").json() == {"ok": True}
        assert client.get("/b").json() == {"ok": True}
    assert seen == ["/r/a"]
    assert all(route._direct_runner is None for route in app.routes if isinstance(route, Logged))


def test_a_replaced_app_serves_and_the_runner_is_not_called_past_it() -> None:
    app = FastAPI()

    @app.get("/x")
    async def x() -> dict[str, str]:
        return {"from": "route"}

    with TestClient(app) as client:
        route = _route(app, "/x")
        assert client.get("/x").json() == {"from": "route"}
        runner = route.app

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            async def tagged(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-wrapped", b"1")]
                await send(message)

            await runner(scope, receive, tagged)

        route.app = wrapped  # what libraries do (fastapi-pagination rebuilds a route's app)
        assert route._direct_runner is None
        response = client.get("/x")
        assert response.json() == {"from": "route"}
        assert response.headers["x-wrapped"] == "1"


def test_routes_with_something_around_their_runner_are_served_through_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    app = FastAPI()

    @app.post("/limited", max_body_size=4)
    async def limited(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    with TestClient(app) as client:
        assert _route(app, "/limited")._direct_runner is None
        assert client.post("/limited", content=b"abc").json() == {"size": 3}
        assert client.post("/limited", content=b"abcde").status_code == 413

    hooked = FastAPI()
    original = routing.get_request_handler
    wrapped: list[str] = []

    def get_request_handler(*args: Any, **kwargs: Any) -> Any:
        handler = original(*args, **kwargs)

        async def app(request: Any) -> Any:
            wrapped.append(request.url.path)
            return await handler(request)

        return app

    monkeypatch.setattr(routing, "get_request_handler", get_request_handler)

    @hooked.get("/h")
    async def h() -> dict[str, bool]:
        return {"ok": True}

    with TestClient(hooked) as client:
        assert client.get("/h").json() == {"ok": True}
        assert _route(hooked, "/h")._direct_runner is None
    assert wrapped == ["/h"]

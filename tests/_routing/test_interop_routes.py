"""Routes as Starlette-minded libraries see them: ``matches()``, ``get_request_handler``, foreign mounts."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Match as StarletteMatch
from starlette.routing import Route as StarletteRoute

from zephyr import FastAPI, routing
from zephyr._routing.handler import get_request_handler
from zephyr.routing import Match
from zephyr.testclient import TestClient


def _scope(path: str, method: str = "GET", kind: str = "http") -> dict[str, Any]:
    return {"type": kind, "path": path, "method": method, "root_path": "", "path_params": {}}


def test_match_equals_starlettes_values() -> None:
    assert Match.FULL == StarletteMatch.FULL
    assert Match.PARTIAL == StarletteMatch.PARTIAL
    assert Match.NONE != StarletteMatch.FULL
    assert Match.FULL == 2
    assert {Match.FULL: "x"}[Match.FULL] == "x"


def test_matches_full_partial_none_and_mount_child_scope() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    sub = FastAPI()
    app.mount("/sub", sub, name="sub")
    route = next(r for r in app.routes if getattr(r, "path", "") == "/items/{item_id}")
    fit, child = route.matches(_scope("/items/3"))
    assert fit == Match.FULL
    assert child == {"endpoint": read, "path_params": {"item_id": "3"}, "route": route}  # FastAPI adds the route
    assert route.matches(_scope("/items/3", "POST"))[0] == Match.PARTIAL
    assert route.matches(_scope("/other")) == (Match.NONE, {})
    assert route.matches({"type": "lifespan"}) == (Match.NONE, {})
    assert route.matches(_scope("/items/3", kind="websocket")) == (Match.NONE, {})
    mount = next(r for r in app.routes if getattr(r, "path", "") == "/sub")
    fit, child = mount.matches(_scope("/sub/a/b"))
    assert fit == Match.FULL
    assert child == {"endpoint": sub, "path_params": {}, "app_root_path": "", "root_path": "/sub"}
    assert mount.matches(_scope("/elsewhere")) == (Match.NONE, {})


def test_url_for_across_a_mounted_starlette_app() -> None:
    async def page(request: Any) -> PlainTextResponse:
        return PlainTextResponse(str(request.url_for("admin:page", name="x")))

    app = FastAPI()
    app.mount("/admin", Starlette(routes=[StarletteRoute("/p/{name}", page, name="page")]), name="admin")

    @app.get("/home")
    def home() -> dict[str, str]:
        return {"page": str(app.url_path_for("admin:page", name="y"))}

    with TestClient(app) as client:
        assert client.get("/home").json() == {"page": "/admin/p/y"}
        assert client.get("/admin/p/z").text == "http://testserver/admin/p/x"
    with pytest.raises(routing.NoMatchFound):
        app.url_path_for("admin:missing")


def test_replacing_get_request_handler_wraps_every_route(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def wrapping(*args: Any, **kwargs: Any) -> Any:
        dependant = kwargs["dependant"]
        original = dependant.call

        def traced(*a: Any, **kw: Any) -> Any:
            calls.append("call")
            return original(*a, **kw)

        dependant.call = traced
        handler = get_request_handler(*args, **kwargs)

        async def app(request: Any) -> Any:
            calls.append(request.scope["route"].path)
            return await handler(request)

        return app

    monkeypatch.setattr(routing, "get_request_handler", wrapping)
    app = FastAPI()

    @app.get("/items/{item_id}", response_model=dict[str, int])
    def read(item_id: int) -> Any:
        return {"item_id": item_id}

    app.dependency_overrides[object] = object  # a change of overrides recompiles the plan
    with TestClient(app) as client:
        assert client.get("/items/5").json() == {"item_id": 5}
        assert client.get("/items/x").status_code == 422
    assert calls == ["/items/{item_id}", "call", "/items/{item_id}"]


def test_get_request_handler_refuses_a_dependant_without_call() -> None:
    from zephyr.dependencies.models import Dependant

    with pytest.raises(TypeError, match="call=None"):
        get_request_handler(Dependant(call=None))


def test_wrapped_handlers_honour_overrides_and_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "get_request_handler", lambda **kwargs: get_request_handler(**kwargs))
    from zephyr import Depends
    from zephyr.sse import EventSourceResponse

    def user() -> str:
        return "real"

    def outer(name: str = Depends(user)) -> str:
        return name.upper()

    app = FastAPI()

    @app.get("/who")
    def who(name: str = Depends(outer)) -> dict[str, str]:
        return {"name": name}

    @app.get("/lines")
    def lines() -> Any:
        yield {"n": 1}

    @app.get("/events", response_class=EventSourceResponse)
    def events() -> Any:
        yield {"n": 1}

    app.dependency_overrides[user] = lambda: "fake"
    with TestClient(app) as client:
        assert client.get("/who").json() == {"name": "FAKE"}
        assert client.get("/lines").text == '{"n": 1}\n'
        assert client.get("/events").text == 'data: {"n": 1}\n\n'


def test_an_assigned_lifespan_context_replaces_the_whole_lifespan() -> None:
    """fastapi-pagination's way: wrap ``router.lifespan_context`` and assign the wrapper back."""
    from contextlib import asynccontextmanager

    events: list[str] = []
    app = FastAPI(on_startup=[lambda: events.append("startup")])
    original = app.router.lifespan_context

    @asynccontextmanager
    async def wrapper(app_: Any) -> Any:
        events.append("wrapper in")
        async with original(app_) as state:
            yield state
        events.append("wrapper out")

    app.router.lifespan_context = wrapper
    assert app.router.lifespan_context is wrapper
    with TestClient(app):
        pass
    assert events == ["wrapper in", "startup", "wrapper out"]

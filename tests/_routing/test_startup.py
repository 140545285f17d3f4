"""Start-up does what the first request would: every plan is compiled in the lifespan, from one analysis per route."""

from __future__ import annotations

from typing import Any

import pytest

from zephyr import APIRouter, Depends, FastAPI, WebSocket
from zephyr._compile import plan as plan_module
from zephyr._routing import routes as routes_module
from zephyr.testclient import TestClient


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    calls: list[Any] = []
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _app() -> FastAPI:
    def token(q: str = "") -> str:
        return q

    app = FastAPI()
    router = APIRouter(prefix="/r", dependencies=[Depends(token)])

    @router.get("/items/{item_id}")
    async def item(item_id: int, q: str = Depends(token)) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    @app.websocket("/ws")
    async def ws_endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app.include_router(router)
    return app


def test_every_plan_is_compiled_at_start_up_and_requests_compile_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _counting(monkeypatch, routes_module, "build_plan")
    app = _app()
    assert compiled == []  # registration analyses, it does not compile
    with TestClient(app) as client:
        after_start_up = len(compiled)
        assert after_start_up == 2  # the item route and the WebSocket route (the docs pages are plain routes)
        assert client.get("/r/items/3?q=x").json() == {"item_id": 3, "q": "x"}
        with client.websocket_connect("/ws") as websocket:
            assert websocket.receive_text() == "hi"
    assert len(compiled) == after_start_up


def test_each_endpoint_is_analysed_once_for_the_plan_and_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    analysed = _counting(monkeypatch, routes_module, "build_dependant")
    app = _app()
    registered = len(analysed)
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/r/items/3").status_code == 200
    assert len(analysed) == registered


def test_overrides_recompile_the_plan_once_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    def real() -> str:
        return "real"

    app = FastAPI()

    @app.get("/who")
    async def who(name: str = Depends(real)) -> str:
        return name

    with TestClient(app) as client:
        compiled = _counting(monkeypatch, routes_module, "build_plan")
        assert client.get("/who").json() == "real"
        app.dependency_overrides[real] = lambda: "fake"
        assert [client.get("/who").json() for _ in range(3)] == ["fake"] * 3
        app.dependency_overrides = {}
        assert client.get("/who").json() == "real"
    assert len(compiled) == 2


def test_a_route_added_by_a_start_up_handler_is_compiled_too(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _counting(monkeypatch, routes_module, "build_plan")
    app = FastAPI(openapi_url=None)

    async def add_late_route() -> None:
        app.add_api_route("/late", lambda: "late")

    app.add_event_handler("startup", add_late_route)

    with TestClient(app) as client:
        assert len(compiled) == 1
        assert client.get("/late").json() == "late"
    assert len(compiled) == 1


def test_a_plan_that_cannot_compile_fails_the_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("cannot compile")

    app = FastAPI(openapi_url=None)

    @app.get("/x")
    async def endpoint() -> None:
        return None

    monkeypatch.setattr(routes_module, "build_plan", broken)
    with pytest.raises(TypeError, match="cannot compile"), TestClient(app):
        pass
    assert plan_module.build_plan is not broken


def test_a_provider_with_a_plain_overrides_dict_is_read_on_every_request() -> None:
    def real() -> str:
        return "real"

    class Provider:
        dependency_overrides: dict[Any, Any] = {}

    provider = Provider()
    router = APIRouter(dependency_overrides_provider=provider)

    @router.get("/who")
    async def who(name: str = Depends(real)) -> str:
        return name

    client = TestClient(router)
    assert client.get("/who").json() == "real"
    provider.dependency_overrides = {real: lambda: "fake"}  # a plain dict counts no changes: it is compared
    assert client.get("/who").json() == "fake"


@pytest.mark.parametrize("enabled", [True, False])
def test_compiling_pauses_the_collector_and_restores_it(enabled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans are compiled with the cyclic collector paused; afterwards it is as the app found it."""
    import gc

    seen: list[bool] = []
    original = routes_module.APIRoute.prepare

    def prepare(self: Any, cache: Any) -> Any:
        seen.append(gc.isenabled())
        return original(self, cache)

    monkeypatch.setattr(routes_module.APIRoute, "prepare", prepare)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with TestClient(_app()):
            assert seen and not any(seen)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()

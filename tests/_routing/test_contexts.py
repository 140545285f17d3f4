"""``RouteContext``/``iter_route_contexts``, and what serving an included route writes in the scope."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from zephyr import APIRouter, FastAPI, Request
from zephyr._routing.base import expand_routes
from zephyr._routing.contexts import RouteContext, iter_included_route_candidates, iter_route_contexts
from zephyr._routing.dispatch import Router
from zephyr._routing.effective import restore_fastapi_scope_key, route_context_var, served_route
from zephyr._routing.host import Host
from zephyr._routing.inclusion import _IncludedRouter
from zephyr._routing.match import Match
from zephyr._routing.plain import Route
from zephyr._routing.routes import APIRoute
from zephyr.responses import PlainTextResponse
from zephyr.testclient import TestClient


def _seen(request: Request) -> dict[str, Any]:
    context = request.scope.get("fastapi", {}).get("effective_route_context")
    return {
        "route": request.scope["route"].path,
        "context": getattr(context, "path", None),
        "served": served_route(request.scope).path,
    }


def _app() -> tuple[FastAPI, APIRouter]:
    router = APIRouter(prefix="/items")

    @router.get("/{item_id}")
    def read(item_id: int, request: Request) -> dict[str, Any]:
        return _seen(request)

    app = FastAPI()
    app.include_router(router, prefix="/api")

    @app.get("/direct")
    def direct(request: Request) -> dict[str, Any]:
        return {**_seen(request), "has_fastapi_scope": "fastapi" in request.scope}

    return app, router


def test_an_included_route_is_its_original_in_scope_route_and_the_served_one_in_the_context() -> None:
    app, _ = _app()
    client = TestClient(app)
    assert client.get("/api/items/1").json() == {
        "route": "/items/{item_id}",
        "context": "/api/items/{item_id}",
        "served": "/api/items/{item_id}",
    }
    assert client.get("/direct").json() == {
        "route": "/direct",
        "context": None,
        "served": "/direct",
        "has_fastapi_scope": False,
    }


def test_the_405_of_an_included_route_carries_its_context_too() -> None:
    app, _ = _app()
    response = TestClient(app).post("/api/items/1")
    assert (response.status_code, response.headers["allow"]) == (405, "GET")


def test_iter_route_contexts_lists_included_routes_as_served() -> None:
    app, router = _app()
    contexts = [c for c in iter_route_contexts(app.routes) if c.name in ("read", "direct")]
    assert [(c.path, c.path_format, c.methods) for c in contexts] == [
        ("/api/items/{item_id}", "/api/items/{item_id}", {"GET"}),
        ("/direct", "/direct", {"GET"}),
    ]
    assert contexts[0].original_route is router.routes[0]
    assert contexts[0].route is router.routes[0]
    assert contexts[1].original_route is contexts[1].route
    assert contexts[0].endpoint is router.routes[0].endpoint  # type: ignore[attr-defined]
    assert contexts[0].tags == []  # any other attribute is the served route's
    assert list(iter_route_contexts(contexts)) == contexts  # contexts pass through
    assert [r.path for r in expand_routes(contexts)] == ["/api/items/{item_id}", "/direct"]


def test_route_contexts_do_not_pretend_to_have_dunder_attributes() -> None:
    context = RouteContext(Route("/a", PlainTextResponse("a")))
    with pytest.raises(AttributeError):
        context.__wrapped__  # noqa: B018 - the lookup is the test


def test_included_route_candidates_are_originals_for_api_routes_and_served_copies_for_plain_ones() -> None:
    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("plain")

    child = APIRouter()
    child.add_route("/plain", plain)

    @child.get("/api")
    def api() -> None:
        return None

    parent = APIRouter()
    parent.include_router(child, prefix="/child")
    assert [getattr(r, "path", None) for r in iter_included_route_candidates(parent.routes)] == ["/child/plain", "/api"]


def test_restore_fastapi_scope_key_puts_back_or_removes() -> None:
    scope: dict[str, Any] = {"fastapi": {"k": 1}}
    restore_fastapi_scope_key(scope, "k", 2)
    assert scope == {"fastapi": {"k": 2}}
    restore_fastapi_scope_key(scope, "k")
    assert scope == {"fastapi": {}}
    other: dict[str, Any] = {"fastapi": "not-a-dict"}
    restore_fastapi_scope_key(other, "k", 3)
    assert other == {"fastapi": "not-a-dict"}


def test_an_included_host_answers_under_the_prefix() -> None:
    async def hosted(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"hosted {request.url.path}")

    router = APIRouter(routes=[Host("{sub}.example.com", Router(routes=[Route("/h", hosted, name="h")]), name="hs")])
    app = FastAPI()
    app.include_router(router, prefix="/pre")
    client = TestClient(app, base_url="http://api.example.com")
    assert client.get("/pre/h").text == "hosted /pre/h"
    assert client.get("/h").status_code == 404
    url = app.url_path_for("hs:h", sub="api")
    assert (str(url), url.host) == ("/pre/h", "api.example.com")


def test_an_inclusions_body_limit_reaches_plain_routes_and_mounts() -> None:
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    router = APIRouter()
    router.add_route("/plain", echo, methods=["POST"])
    router.mount("/m", Router(routes=[Route("/echo", echo, methods=["POST"])]))
    app = FastAPI()
    app.include_router(router, prefix="/lim", max_body_size=4)
    app.include_router(router, prefix="/free")
    client = TestClient(app)
    assert [client.post(p, content=b"123").text for p in ("/lim/plain", "/lim/m/echo")] == ["3", "3"]
    assert [client.post(p, content=b"12345").status_code for p in ("/lim/plain", "/lim/m/echo")] == [413, 413]
    assert [client.post(p, content=b"12345").text for p in ("/free/plain", "/free/m/echo")] == ["5", "5"]


def test_an_api_router_matches_and_handles_only_under_its_inclusion() -> None:
    router = APIRouter()

    @router.get("/items")
    def items() -> str:
        return "items"

    scope = {"type": "http", "method": "GET", "path": "/items", "root_path": "", "headers": []}
    assert router.matches(scope) == (Match.NONE, {})
    app = FastAPI()
    app.include_router(router, prefix="/api")
    node = app.router.routes[-1]
    assert isinstance(node, _IncludedRouter)
    inside = {**scope, "path": "/api/items", "fastapi": {"included_router": node}}
    assert router.matches(inside) == (Match.FULL, {})


class _Counting(APIRoute):
    handlers = 0
    handled = 0
    matched = 0

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()
        route = self

        async def counted(request: Request) -> Any:
            route.handlers += 1
            return await handler(request)

        return counted

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        self.handled += 1
        await super().handle(scope, receive, send)

    def matches(self, scope: Any) -> tuple[Match, Any]:
        self.matched += 1
        if dict(scope.get("headers", [])).get(b"x-no") == b"1":
            return Match.NONE, {}
        return super().matches(scope)


def test_a_route_subclass_hooks_run_on_the_route_as_registered() -> None:
    router = APIRouter(route_class=_Counting)

    @router.get("/{n}")
    def read(n: int, request: Request) -> dict[str, Any]:
        return _seen(request)

    app = FastAPI()
    app.include_router(router, prefix="/a")
    app.include_router(router, prefix="/b")
    original = router.routes[0]
    assert isinstance(original, _Counting)
    client = TestClient(app)
    assert client.get("/a/1").json()["context"] == "/a/{n}"
    assert client.get("/b/1").json()["context"] == "/b/{n}"
    assert client.get("/b/1", headers={"x-no": "1"}).status_code == 404
    assert (original.handlers, original.handled) == (2, 2)
    assert original.matched >= 3
    assert route_context_var.get() is None


def test_each_inclusion_of_a_frontend_has_its_own_body_limit(tmp_path: Any) -> None:
    (tmp_path / "index.html").write_text("hello")
    router = APIRouter()
    router.frontend("/", directory=tmp_path)
    app = FastAPI()
    app.include_router(router, prefix="/empty", max_body_size=0)
    app.include_router(router, prefix="/small", max_body_size=10)
    client = TestClient(app)
    assert client.request("GET", "/empty/index.html", content=b"x").status_code == 413
    assert client.request("GET", "/small/index.html", content=b"x").text == "hello"


class _TrackingRouter(APIRouter):
    handled = 0
    matched = 0

    def matches(self, scope: Any) -> tuple[Match, Any]:
        self.matched += 1
        if dict(scope.get("headers", [])).get(b"x-router") != b"yes":
            return Match.NONE, {}
        return super().matches(scope)

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        self.handled += 1
        await super().handle(scope, receive, send)


def test_router_subclass_hooks_run_once_per_request_through_nested_inclusions() -> None:
    parent, child = _TrackingRouter(), _TrackingRouter()

    @child.get("/items")
    def items(request: Request) -> dict[str, Any]:
        return _seen(request)

    parent.include_router(child, prefix="/child")
    app = FastAPI()
    app.include_router(parent, prefix="/api")
    client = TestClient(app)
    assert client.get("/api/child/items").status_code == 404  # the routers' matches() turn it down
    answer = client.get("/api/child/items", headers={"x-router": "yes"})
    assert answer.json() == {"route": "/items", "context": "/api/child/items", "served": "/api/child/items"}
    assert (parent.handled, child.handled) == (1, 1)
    assert parent.matched >= 2
    assert child.matched >= 1


def test_an_api_router_handles_on_its_own_outside_an_inclusion() -> None:
    router = APIRouter()

    @router.get("/items")
    def items() -> str:
        return "items"

    messages: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": "/items", "raw_path": b"/items", "root_path": "",
             "scheme": "http", "query_string": b"", "headers": []}  # fmt: skip
    anyio.run(router.handle, scope, receive, send)
    assert (messages[0]["status"], messages[1]["body"]) == (200, b'"items"')

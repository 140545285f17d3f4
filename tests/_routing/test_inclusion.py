"""``include_router``: the included router kept as a node, flattened with the inclusion's options applied."""

from __future__ import annotations

import pytest

from zephyr import APIRouter, Depends, FastAPI
from zephyr._routing.base import BaseRoute, expand_routes
from zephyr._routing.inclusion import _IncludedRouter, check_inclusion
from zephyr._routing.match import Match
from zephyr._routing.options import pick
from zephyr._routing.plain import Mount, Route
from zephyr._routing.routes import APIRoute
from zephyr.datastructures import Default
from zephyr.exceptions import FastAPIError
from zephyr.responses import HTMLResponse, PlainTextResponse, Response
from zephyr.testclient import TestClient


def dep() -> None:
    return None


def _api_routes(router: APIRouter) -> list[APIRoute]:
    return [route for route in expand_routes(router.routes) if isinstance(route, APIRoute)]


def _paths(routes: list[BaseRoute]) -> list[str]:
    return [route.path for route in expand_routes(routes)]


def test_an_included_route_gets_the_inclusions_prefix_tags_dependencies_and_responses() -> None:
    inner = APIRouter(prefix="/items", tags=["items"], default_response_class=HTMLResponse)

    @inner.get("/{item_id}", tags=["one"], responses={404: {"description": "gone"}})
    async def read(item_id: int) -> str:
        return ""

    outer = APIRouter()
    outer.include_router(
        inner, prefix="/v1", tags=["v1"], dependencies=[Depends(dep)], responses={500: {"description": "oops"}}
    )
    (route,) = _api_routes(outer)
    assert route.path == "/v1/items/{item_id}"
    assert route.tags == ["v1", "items", "one"]
    assert [d.dependency for d in route.dependencies] == [dep]
    assert route.responses == {500: {"description": "oops"}, 404: {"description": "gone"}}
    assert route.response_class is HTMLResponse  # the included router's default, not the includer's


def test_routes_added_after_the_inclusion_are_served_in_place() -> None:
    inner = APIRouter()
    outer = APIRouter()
    outer.add_route("/before", lambda request: Response())
    outer.include_router(inner, prefix="/in")
    outer.add_route("/after", lambda request: Response())
    inner.add_api_route("/late", lambda: None)
    assert _paths(outer.routes) == ["/before", "/in/late", "/after"]
    assert isinstance(outer.routes[1], _IncludedRouter) and outer.routes[1].original_router is inner
    grand = APIRouter()
    grand.include_router(outer, prefix="/g")
    inner.add_api_route("/later", lambda: None)
    assert _paths(grand.routes) == ["/g/before", "/g/in/late", "/g/in/later", "/g/after"]


def test_plain_routes_and_mounts_are_served_with_the_prefix() -> None:
    inner = APIRouter()
    inner.add_route("/page", lambda request: PlainTextResponse("p"), methods=["GET"])
    inner.mount("/static", PlainTextResponse("s"))
    outer = APIRouter(prefix="/o")
    outer.include_router(inner, prefix="/p")
    page, mount = expand_routes(outer.routes)
    assert isinstance(page, Route) and page.path == "/o/p/page" and page.methods == {"GET", "HEAD"}
    assert isinstance(mount, Mount) and mount.path == "/o/p/static"


def test_inclusions_that_fastapi_refuses_are_refused_with_the_fix() -> None:
    router = APIRouter()
    router.add_api_route("", lambda: None)
    with pytest.raises(FastAPIError, match="Cannot include the same APIRouter instance into itself"):
        check_inclusion(router, router, "")
    with pytest.raises(FastAPIError, match="must start with '/'"):
        check_inclusion(APIRouter(), router, "v1")
    with pytest.raises(FastAPIError, match="Remove the trailing slash"):
        check_inclusion(APIRouter(), router, "/v1/")
    with pytest.raises(FastAPIError, match="Prefix and path cannot be both empty"):
        check_inclusion(APIRouter(), router, "")
    with pytest.raises(FastAPIError, match="needs an APIRouter"):
        APIRouter().include_router(object())  # type: ignore[arg-type]


def test_pick_takes_the_first_value_the_user_set() -> None:
    assert pick(Default(1), 2, 3) == 2
    assert pick(Default(1), Default(2)) == Default(1)
    assert pick(None, 2) is None  # None is a value the user set


def _client_paths(app: FastAPI) -> list[str]:
    return [route.path for route in app.router._route_table().routes if isinstance(route, APIRoute)]


def test_changes_to_an_included_router_reach_the_app_and_the_table_stays_flat() -> None:
    inner = APIRouter(prefix="/in")
    inner.add_api_route("/a", lambda: "a")
    inner.add_api_route("/b", lambda: "b")
    app = FastAPI(openapi_url=None)
    app.include_router(inner, prefix="/v1")
    client = TestClient(app)
    assert client.get("/v1/in/a").json() == "a"
    version = app.router.routes_version
    inner.routes.insert(0, APIRoute("/in/a", lambda: "inserted"))  # before the old /a: it wins
    assert app.router.routes_version > version  # marked dirty through the inclusion
    assert client.get("/v1/in/a").json() == "inserted"
    inner.routes.remove(inner.routes[-1])
    assert client.get("/v1/in/b").status_code == 404
    inner.routes[0] = APIRoute("/in/c", lambda: "replaced")
    assert client.get("/v1/in/c").json() == "replaced"
    del inner.routes[0]
    assert _client_paths(app) == ["/v1/in/a"]
    # The table the requests meet holds routes only, never the inclusion entry.
    assert not any(isinstance(route, _IncludedRouter) for route in app.router._route_table().routes)


def test_a_served_route_is_made_once_and_again_when_the_original_gains_a_dependency() -> None:
    calls: list[str] = []

    def extra() -> None:
        calls.append("extra")

    inner = APIRouter()
    inner.add_api_route("/x", lambda: "x")
    app = FastAPI(openapi_url=None)
    app.include_router(inner, prefix="/p")
    (entry,) = [route for route in app.routes if isinstance(route, _IncludedRouter)]
    first = entry.effective_routes()
    assert entry.effective_routes() == first  # the same objects: nothing made twice
    original = inner.routes[0]
    assert isinstance(original, APIRoute)
    original.dependencies.append(Depends(extra))  # as fastapi-pagination does, before the first request
    assert TestClient(app).get("/p/x").json() == "x"
    assert calls == ["extra"]
    assert entry.effective_routes()[0] is not first[0]


def test_a_router_that_includes_the_includer_is_refused() -> None:
    first, second = APIRouter(), APIRouter()
    first.include_router(second, prefix="/s")
    with pytest.raises(FastAPIError, match="already includes this router"):
        second.include_router(first, prefix="/f")


def test_the_entry_matches_and_serves_like_the_routes_behind_it() -> None:
    inner = APIRouter()
    inner.add_api_route("/x/{n}", lambda n: n, methods=["POST"])
    app = FastAPI(openapi_url=None)
    app.include_router(inner, prefix="/p")
    (entry,) = [route for route in app.routes if isinstance(route, _IncludedRouter)]
    scope = {"type": "http", "path": "/p/x/1", "method": "POST", "root_path": ""}
    assert entry.matches(scope) == (Match.FULL, {})
    assert entry.matches({**scope, "method": "GET"}) == (Match.PARTIAL, {})
    assert entry.matches({**scope, "path": "/p/y"}) == (Match.NONE, {})
    assert str(entry.url_path_for(str(inner.routes[0].name), n=3)) == "/p/x/3"
    assert [type(route).__name__ for route in entry.effective_route_contexts()] == ["APIRoute"]
    assert repr(entry).startswith("_IncludedRouter(original_router=<zephyr._routing.router.APIRouter object at ")
    assert "include_context=_RouterIncludeContext(included_router=" in repr(entry)

"""``router._frontend_routes`` (``zephyr._routing.frontend``): the group ``frontend()`` fills, called directly."""

from __future__ import annotations

import errno
import pathlib
import threading
from contextlib import AsyncExitStack
from typing import Any

import anyio
import pytest

from zephyr import APIRouter, Depends, FastAPI
from zephyr._routing.base import NoMatchFound
from zephyr._routing.frontend import FrontendRouteGroup
from zephyr.exceptions import HTTPException
from zephyr.testclient import TestClient


def _dist(tmp_path: pathlib.Path) -> pathlib.Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text("app")
    (dist / "assets" / "app.js").write_text("js")
    return dist


def _scope(path: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
        **extra,
    }


def _group(app: FastAPI | APIRouter) -> FrontendRouteGroup:
    group = app.router._frontend_routes if isinstance(app, FastAPI) else app._frontend_routes
    assert group is not None
    return group


def test_frontend_puts_one_group_in_the_low_priority_routes(tmp_path: pathlib.Path) -> None:
    router = APIRouter(prefix="/internal")
    assert router._frontend_routes is None
    router.frontend("/ui/", directory=_dist(tmp_path))
    router.frontend("/", directory=_dist(tmp_path))
    group = _group(router)
    assert router._low_priority_routes == [group]
    assert [route.path for route in group.routes] == ["/internal/ui", "/internal"]
    assert router.routes == []


@pytest.mark.anyio
async def test_the_group_serves_a_scope_after_its_dependencies_and_restores_the_scope(tmp_path: pathlib.Path) -> None:
    calls: list[str] = []
    app = FastAPI(dependencies=[Depends(lambda: calls.append("dependency"))])
    app.frontend("/", directory=_dist(tmp_path))
    inner, function = AsyncExitStack(), AsyncExitStack()
    scope = _scope("/", fastapi_inner_astack=inner, fastapi_function_astack=function)
    messages: list[Any] = []

    async def receive() -> Any:
        await anyio.sleep_forever()

    async def send(message: Any) -> None:
        messages.append(message)

    async with inner, function:
        await _group(app).handle(scope, receive, send)
    assert scope["fastapi_inner_astack"] is inner
    assert scope["fastapi_function_astack"] is function
    assert "path_params" not in scope
    assert (messages[0]["status"], messages[1]["body"], calls) == (200, b"app", ["dependency"])


def test_the_group_refuses_a_path_no_frontend_serves_and_builds_no_url(tmp_path: pathlib.Path) -> None:
    app = FastAPI()
    app.frontend("/app", directory=_dist(tmp_path))
    group = _group(app)

    async def never(*_: Any) -> Any:
        raise AssertionError("a request no frontend serves is neither read nor answered")  # pragma: no cover

    with pytest.raises(HTTPException) as caught:
        anyio.run(group.handle, _scope("/missing"), never, never)
    assert caught.value.status_code == 404
    with pytest.raises(NoMatchFound):
        group.url_path_for("frontend")
    with pytest.raises(NoMatchFound):
        group.routes[0].url_path_for("frontend")


def test_a_named_frontend_builds_its_urls(tmp_path: pathlib.Path) -> None:
    router = APIRouter()
    router.frontend("/ui", directory=_dist(tmp_path), name="ui")
    app = FastAPI()
    app.frontend("/site", directory=_dist(tmp_path), name="site")
    app.include_router(router, prefix="/v1")
    assert app.url_path_for("site", path="/assets/app.js") == "/site/assets/app.js"
    assert app.url_path_for("ui", path="index.html") == "/v1/ui/index.html"
    assert _group(router).routes[0].url_path_for("ui", path="x") == "/ui/x"
    with pytest.raises(NoMatchFound):
        app.url_path_for("missing")


def test_a_frontend_serves_its_own_prefix_by_redirecting_to_its_index(tmp_path: pathlib.Path) -> None:
    app = FastAPI()
    app.frontend("/app", directory=_dist(tmp_path))
    client = TestClient(app)
    response = client.get("/app", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "http://testserver/app/")
    assert client.get("/app/").text == "app"
    assert client.get("/application").status_code == 404


def _raising(exc: BaseException) -> Any:
    def lookup_path(path: str) -> Any:
        raise exc

    return lookup_path


@pytest.mark.parametrize(
    ("error", "status"),
    [(PermissionError(), 401), (ValueError(), 404), (OSError(errno.ENAMETOOLONG, "name too long"), 404)],
)
def test_lookup_errors_of_the_frontends_files_answer_as_fastapis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, error: BaseException, status: int
) -> None:
    app = FastAPI()
    app.frontend("/", directory=_dist(tmp_path))
    monkeypatch.setattr(_group(app).routes[0].app, "lookup_path", _raising(error))
    assert TestClient(app).get("/asset.txt").status_code == status


def test_another_lookup_error_propagates(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    app = FastAPI()
    app.frontend("/", directory=_dist(tmp_path))
    monkeypatch.setattr(_group(app).routes[0].app, "lookup_path", _raising(OSError(5, "other")))
    with pytest.raises(OSError, match="other"):
        TestClient(app).get("/asset.txt")


def test_files_are_looked_up_off_the_event_loop_thread(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    app = FastAPI()
    app.frontend("/", directory=_dist(tmp_path))
    static_files = _group(app).routes[0].app
    original = static_files.lookup_path
    threads: list[bool] = []

    def lookup_path(path: str) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return original(path)

    monkeypatch.setattr(static_files, "lookup_path", lookup_path)
    assert TestClient(app).get("/dashboard", headers={"accept": "text/html"}).text == "app"
    assert threads
    assert not any(threads)

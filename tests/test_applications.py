from typing import Annotated

import pytest

from zephyr import APIRouter, Depends, FastAPI, Request, Zephyr
from zephyr.exceptions import FastAPIDeprecationWarning, FastAPIError
from zephyr.responses import JSONResponse, PlainTextResponse
from zephyr.routing import NoMatchFound
from zephyr.testclient import TestClient


def _boom_app(**kwargs: object) -> Zephyr:
    app = FastAPI(**kwargs)  # type: ignore[arg-type]

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("secret detail")

    return app


def test_500_never_shows_the_traceback_without_debug() -> None:
    response = TestClient(_boom_app(), raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "secret detail" not in response.text


def test_debug_shows_the_traceback_as_text_or_html() -> None:
    client = TestClient(_boom_app(debug=True), raise_server_exceptions=False)
    text = client.get("/boom")
    assert text.status_code == 500
    assert "ValueError: secret detail" in text.text
    html = client.get("/boom", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "secret detail" in html.text


def test_server_errors_are_reraised_for_the_server_to_log() -> None:
    with pytest.raises(ValueError, match="secret detail"):
        TestClient(_boom_app()).get("/boom")


@pytest.mark.parametrize("key", [500, Exception])
def test_a_500_handler_answers_unhandled_errors(key: object) -> None:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__}, status_code=500)

    app = _boom_app(exception_handlers={key: handler})
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "ValueError"}


def test_handlers_by_status_code_answer_routing_errors() -> None:
    app = FastAPI()

    @app.exception_handler(404)
    def not_found(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse(f"nothing at {request.url.path}", status_code=404)

    response = TestClient(app).get("/missing")
    assert (response.status_code, response.text) == (404, "nothing at /missing")


def test_middleware_cannot_be_added_after_the_first_request() -> None:
    app = FastAPI()
    TestClient(app).get("/docs")
    from zephyr.middleware.gzip import GZipMiddleware

    with pytest.raises(RuntimeError, match="Cannot add middleware after an application has started"):
        app.add_middleware(GZipMiddleware)


def test_url_path_for_suggests_a_near_miss() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}")
    async def read_user(user_id: int) -> dict[str, int]:
        return {"user_id": user_id}

    assert app.url_path_for("read_user", user_id=5) == "/users/5"
    with pytest.raises(NoMatchFound, match="Did you mean 'read_user'"):
        app.url_path_for("read_users", user_id=5)


def test_dependency_overrides_recompile_only_when_changed() -> None:
    app = FastAPI()

    def settings() -> str:
        return "production"

    @app.get("/env")
    async def env(value: Annotated[str, Depends(settings)]) -> dict[str, str]:
        return {"env": value}

    client = TestClient(app)
    assert client.get("/env").json() == {"env": "production"}
    app.dependency_overrides[settings] = lambda: "test"
    assert client.get("/env").json() == {"env": "test"}
    app.dependency_overrides = {}
    assert client.get("/env").json() == {"env": "production"}


def test_starlette_middleware_classes_plug_in() -> None:
    from starlette.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    response = TestClient(app).get("/ping", headers={"Origin": "https://example.com"})
    assert response.headers["access-control-allow-origin"] == "https://example.com"


def test_mounted_apps_see_their_root_path_and_build_urls() -> None:
    app = FastAPI()
    sub = FastAPI()

    @sub.get("/items/{item_id}", name="item")
    async def item(item_id: int, request: Request) -> dict[str, str]:
        # As in Starlette, the outermost router builds URLs: a mounted app's routes are named "mount:route".
        return {"root_path": request.scope["root_path"], "url": str(request.url_for("sub:item", item_id=item_id))}

    app.mount("/sub", sub, name="sub")
    body = TestClient(app).get("/sub/items/3").json()
    assert body == {"root_path": "/sub", "url": "http://testserver/sub/items/3"}
    assert app.url_path_for("sub:item", item_id=4) == "/sub/items/4"


def test_root_path_is_honoured_and_documented() -> None:
    # FastAPI's words (its own tests match "fastapi run --root-path"), with Zephyr's command first.
    with pytest.warns(FastAPIDeprecationWarning, match="`zephyr run --root-path .*`fastapi run --root-path"):
        app = FastAPI(root_path="/api")

    @app.get("/ping")
    async def ping(request: Request) -> dict[str, str]:
        return {"url": str(request.url)}

    client = TestClient(app)
    assert client.get("/openapi.json").json()["servers"] == [{"url": "/api"}]


def test_configuration_errors_surface_when_the_route_is_added() -> None:
    app = FastAPI()
    with pytest.raises(FastAPIError, match="must not end with '/'"):
        APIRouter(prefix="/items/")
    with pytest.raises(FastAPIError, match="Status code 204 must not have a response body"):

        @app.get("/x", status_code=204, response_model=dict)
        async def x() -> None:
            return None


def test_head_is_answered_for_get_routes_without_a_body() -> None:
    app = FastAPI()

    @app.get("/data")
    async def data() -> dict[str, int]:
        return {"n": 1}

    response = TestClient(app).head("/data")
    assert response.status_code == 200
    assert response.headers["content-length"] == "7"
    assert response.content == b""


def test_an_exception_handler_added_after_start_up_keeps_the_middleware_and_its_state() -> None:
    from zephyr.ratelimit import RateLimitMiddleware
    from zephyr.stores import MemoryStore

    built: list[object] = []

    class Counting:
        def __init__(self, app: object) -> None:
            built.append(self)
            self.app = app

        async def __call__(self, scope: object, receive: object, send: object) -> None:
            await self.app(scope, receive, send)  # type: ignore[operator]

    class TeapotError(Exception):
        pass

    app = FastAPI()
    app.add_middleware(RateLimitMiddleware, "2/minute", store=MemoryStore())
    app.add_middleware(Counting)

    @app.get("/tea")
    async def tea() -> None:
        raise TeapotError

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/tea").status_code == 500

    async def teapot(request: Request, exc: TeapotError) -> PlainTextResponse:
        return PlainTextResponse("short and stout", status_code=418)

    app.add_exception_handler(TeapotError, teapot)
    second = client.get("/tea")
    assert (second.status_code, second.text) == (418, "short and stout")
    assert len(built) == 1  # the stack was not built again
    assert client.get("/tea").status_code == 429  # the limiter kept its count: a fresh one would allow it
    with pytest.raises(RuntimeError, match="Cannot add middleware after an application has started"):
        app.add_middleware(Counting)


def test_a_500_handler_added_after_start_up_answers_without_a_rebuild() -> None:
    app = _boom_app()
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/boom").text == "Internal Server Error"
    stack = app.middleware_stack

    async def oops(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("oops", status_code=500)

    app.add_exception_handler(Exception, oops)
    response = client.get("/boom")
    assert (response.status_code, response.text) == (500, "oops")
    assert app.middleware_stack is stack


def test_path_params_written_by_an_endpoint_do_not_leak_into_the_next_request() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}")
    async def user(request: Request) -> dict[str, object]:
        seen = dict(request.path_params)
        request.path_params["user_id"] = "tampered"
        request.path_params["extra"] = 1
        return seen

    @app.get("/static")
    async def static(request: Request) -> dict[str, object]:
        seen = dict(request.path_params)
        request.path_params["extra"] = 1
        return seen

    client = TestClient(app)
    for _ in range(2):
        assert client.get("/users/me").json() == {"user_id": "me"}  # "/users/me" is a static-table path too
        assert client.get("/users/7").json() == {"user_id": "7"}  # a cached dynamic path
        assert client.get("/static").json() == {}

# mypy: disable-error-code="untyped-decorator"
"""The middleware inside a whole app, compared with the same app on FastAPI."""

from collections.abc import Callable
from typing import Any

import fastapi
import fastapi.testclient
import pytest
from starlette.middleware import Middleware as StarletteMiddleware

import zephyr
from zephyr.middleware import Middleware
from zephyr.testclient import TestClient


def build(framework: Any, middleware_record: Any) -> Any:
    """The same app, written once against either framework's API."""
    names = {zephyr: "zephyr", fastapi: "fastapi"}
    prefix = names[framework]
    cors = __import__(f"{prefix}.middleware.cors", fromlist=["CORSMiddleware"]).CORSMiddleware
    gzip = __import__(f"{prefix}.middleware.gzip", fromlist=["GZipMiddleware"]).GZipMiddleware
    trusted = __import__(f"{prefix}.middleware.trustedhost", fromlist=["x"]).TrustedHostMiddleware
    events: list[str] = []
    app = framework.FastAPI(
        middleware=[middleware_record(cors, allow_origins=["https://a.example"], allow_methods=["*"])]
    )
    app.add_middleware(gzip, minimum_size=20)
    app.add_middleware(trusted, allowed_hosts=["testserver", "*.example.com"])
    app.state.events = events

    @app.middleware("http")
    async def timing(request: Any, call_next: Any) -> Any:
        body = await request.body()
        response = await call_next(request)
        response.headers["x-body-length"] = str(len(body))
        return response

    @app.post("/items")
    async def create(item: dict[str, int], background_tasks: framework.BackgroundTasks) -> dict[str, Any]:
        background_tasks.add_task(events.append, "saved")
        return {"item": item, "padding": "p" * 40}

    @app.get("/missing")
    async def missing() -> None:
        raise framework.HTTPException(status_code=404, detail="Nope")

    return app


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/items", {"json": {"a": 1}}),
    ("POST", "/items", {"json": {"a": 1}, "headers": {"origin": "https://a.example"}}),
    ("POST", "/items", {"json": {"a": "x"}}),
    ("GET", "/missing", {"headers": {"origin": "https://evil.example"}}),
    ("OPTIONS", "/items", {"headers": {"origin": "https://a.example", "access-control-request-method": "POST"}}),
    ("GET", "/items", {"headers": {"host": "evil.com"}}),
    ("GET", "/nowhere", {"headers": {"accept-encoding": "gzip"}}),
]


@pytest.mark.parametrize(("method", "path", "options"), CALLS)
def test_app_with_middleware_matches_fastapi(method: str, path: str, options: dict[str, Any]) -> None:
    ours_app = build(zephyr, Middleware)
    theirs_app = build(fastapi, StarletteMiddleware)
    client_factory: list[tuple[Any, Callable[..., Any]]] = [
        (ours_app, TestClient),
        (theirs_app, fastapi.testclient.TestClient),
    ]
    results = []
    for app, factory in client_factory:
        with factory(app) as client:
            response = client.request(method, path, **options)
        results.append((response.status_code, sorted(response.headers.multi_items()), response.content))
    assert results[0] == results[1]
    assert ours_app.state.events == theirs_app.state.events

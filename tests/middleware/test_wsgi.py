from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.middleware._asgi import make_scope, run_asgi, snapshot
from zephyr.exceptions import MissingDependencyError
from zephyr.middleware.wsgi import WSGIMiddleware
from zephyr.testclient import TestClient
from zephyr.types import Message


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    text = (
        f"{environ['REQUEST_METHOD']} script={environ['SCRIPT_NAME']} path={environ['PATH_INFO']} "
        f"query={environ['QUERY_STRING']} body={body.decode()} x={environ.get('HTTP_X_TOKEN', '-')}"
    ).encode()
    status = "404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text]


def test_wsgi_app_is_served() -> None:
    client = TestClient(WSGIMiddleware(wsgi_app))
    response = client.post("/hello?a=1", content=b"payload", headers={"x-token": "t"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.text == "POST script= path=/hello query=a=1 body=payload x=t"
    assert client.get("/missing").status_code == 404


@pytest.mark.anyio
@pytest.mark.parametrize(
    "request_kw",
    [
        {"method": "GET", "path": "/"},
        {"method": "POST", "path": "/items", "query_string": b"q=1&r=2"},
        {"method": "GET", "path": "/missing"},
        {"method": "PUT", "path": "/x", "headers": [("x-token", "abc")]},
    ],
)
async def test_matches_starlette(request_kw: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's own WSGIMiddleware is deprecated
        from starlette.middleware.wsgi import WSGIMiddleware as StarletteWSGIMiddleware

        theirs = StarletteWSGIMiddleware(wsgi_app)
    ours = await snapshot(WSGIMiddleware(wsgi_app), make_scope(**request_kw), b"data")
    expected = await snapshot(theirs, make_scope(**request_kw), b"data")
    assert ours[:3] == expected[:3]


@pytest.mark.anyio
async def test_mount_prefix_becomes_script_name() -> None:
    scope = make_scope(path="/v1/users", root_path="/v1")
    status, _, body, _ = await snapshot(WSGIMiddleware(wsgi_app), scope)
    assert status == 200
    assert body == b"GET script=/v1 path=/users query= body= x=-"


@pytest.mark.anyio
async def test_websocket_is_closed() -> None:
    assert await run_asgi(WSGIMiddleware(wsgi_app), make_scope(scope_type="websocket")) == [
        {"type": "websocket.close", "code": 1000}
    ]


def test_missing_a2wsgi_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "a2wsgi", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'zephyr\[wsgi\]'") as info:
        WSGIMiddleware(wsgi_app)
    assert (info.value.package, info.value.extra) == ("a2wsgi", "wsgi")


def test_lifespan_is_acknowledged() -> None:
    import anyio

    events = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[Message] = []

    async def main() -> None:
        async def receive() -> Message:
            return next(events)

        async def send(message: Message) -> None:
            sent.append(message)

        await WSGIMiddleware(wsgi_app)({"type": "lifespan"}, receive, send)

    anyio.run(main)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]

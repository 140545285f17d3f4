from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware as StarletteHTTPSRedirectMiddleware

from tests.middleware._asgi import make_scope, run_asgi, snapshot
from zephyr.middleware.httpsredirect import HTTPSRedirectMiddleware
from zephyr.types import Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await send({"type": "lifespan.startup.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


REQUESTS: list[dict[str, Any]] = [
    {"headers": [("host", "example.com")]},
    {"headers": [("host", "example.com:80")]},
    {"headers": [("host", "Example.com:80")]},
    {"headers": [("host", "example.com:443")]},
    {"headers": [("host", "example.com:0080")]},
    {"headers": [("host", "example.com:8080")], "path": "/a b/\u00fc", "query_string": b"x=%20&y=\xc3\xbc"},
    {"headers": [("host", "example.com")], "path": "/a#b", "query_string": b"q=1#f"},
    {"headers": [("host", "example.com")], "path": "//evil.com/x"},
    {"headers": [("host", "example.com")], "root_path": "/api", "path": "/api/items"},
    {"headers": [("host", "[::1]:8000")]},
    {"headers": [("host", "[::1]:80")]},
    {"headers": [("host", "bad host")]},
    {"headers": [("host", "example.com:99999")]},
    {"headers": [("host", "bad host")], "server": None},
    {"headers": [], "server": ("10.0.0.1", 8000)},
    {"headers": [], "server": ("::1", 80)},
    {"headers": [], "server": None},
    {"headers": [("host", "example.com")], "method": "POST"},
    {"headers": [("host", "example.com")], "scheme": "https"},
    {"headers": [("host", "example.com")], "scheme": "ws", "scope_type": "websocket"},
    {"headers": [("host", "example.com:8443")], "scheme": "ws", "scope_type": "websocket", "path": "/ws"},
    {"headers": [("host", "example.com")], "scheme": "wss", "scope_type": "websocket"},
]


@pytest.mark.anyio
@pytest.mark.parametrize("request_kw", REQUESTS)
@pytest.mark.current_reference
async def test_matches_starlette(request_kw: dict[str, Any]) -> None:
    theirs, ours = StarletteHTTPSRedirectMiddleware(app), HTTPSRedirectMiddleware(app)
    if request_kw.get("scope_type") == "websocket" and request_kw["scheme"] == "wss":
        scope = make_scope(**request_kw)
        assert await run_asgi(ours, scope) == await run_asgi(theirs, make_scope(**request_kw))
        return
    assert await snapshot(ours, make_scope(**request_kw)) == await snapshot(theirs, make_scope(**request_kw))


@pytest.mark.anyio
async def test_http_redirects_to_https_with_307() -> None:
    scope = make_scope("POST", "/items", [("host", "example.com:80")], query_string=b"a=1")
    assert await snapshot(HTTPSRedirectMiddleware(app), scope) == (
        307,
        [("content-length", "0"), ("location", "https://example.com/items?a=1")],
        b"",
        [False],
    )


@pytest.mark.anyio
async def test_websocket_redirect_is_a_denial_response() -> None:
    scope = make_scope(path="/ws", headers=[("host", "example.com:9000")], scheme="ws", scope_type="websocket")
    assert await run_asgi(HTTPSRedirectMiddleware(app), scope) == [
        {
            "type": "websocket.http.response.start",
            "status": 307,
            "headers": [(b"content-length", b"0"), (b"location", b"wss://example.com:9000/ws")],
        },
        {"type": "websocket.http.response.body", "body": b""},
    ]


@pytest.mark.anyio
async def test_https_and_lifespan_pass_through() -> None:
    middleware = HTTPSRedirectMiddleware(app)
    assert await snapshot(middleware, make_scope(scheme="https")) == (
        200,
        [("content-type", "text/plain")],
        b"ok",
        [False],
    )
    assert await run_asgi(middleware, {"type": "lifespan"}) == [{"type": "lifespan.startup.complete"}]


def test_test_client_matches_starlette() -> None:
    from zephyr.testclient import TestClient

    for url in ("http://example.com/a?b=1", "http://example.com:8080/", "https://example.com/"):
        ours = TestClient(HTTPSRedirectMiddleware(app), follow_redirects=False).get(url)
        theirs = TestClient(StarletteHTTPSRedirectMiddleware(app), follow_redirects=False).get(url)
        assert ours.status_code == theirs.status_code
        assert sorted(ours.headers.multi_items()) == sorted(theirs.headers.multi_items())
        assert ours.content == theirs.content

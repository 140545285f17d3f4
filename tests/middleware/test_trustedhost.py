from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware.trustedhost import TrustedHostMiddleware as StarletteTrustedHostMiddleware

from tests.middleware._asgi import make_scope, run_asgi, snapshot
from zephyr.exceptions import FastAPIError
from zephyr.middleware.trustedhost import TrustedHostMiddleware
from zephyr.types import Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await send({"type": "lifespan.startup.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


CONFIGS: list[dict[str, Any]] = [
    {},
    {"allowed_hosts": ["example.com"]},
    {"allowed_hosts": ["Example.COM", "*.example.com"]},
    {"allowed_hosts": ["*.example.com"]},
    {"allowed_hosts": ["www.example.com"]},
    {"allowed_hosts": ["www.example.com"], "www_redirect": False},
    {"allowed_hosts": ["[::1]", "127.0.0.1", "localhost"]},
    {"allowed_hosts": ["*"]},
    {"allowed_hosts": []},
]

HOSTS: list[str | None] = [
    None,
    "",
    "example.com",
    "EXAMPLE.com",
    "example.com:8000",
    "example.com:",
    "example.com:abc",
    "example.com:99999",
    "example.com.",
    "www.example.com",
    "www.example.com:81",
    "a.example.com",
    "A.B.EXAMPLE.COM:443",
    "evil.com",
    "example.com.evil.com",
    "[::1]",
    "[::1]:8000",
    "[::1",
    "::1",
    "127.0.0.1:80",
    "localhost",
    " example.com",
]


@pytest.mark.anyio
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.current_reference
async def test_matches_starlette(config: dict[str, Any], scheme: str) -> None:
    theirs, ours = StarletteTrustedHostMiddleware(app, **config), TrustedHostMiddleware(app, **config)
    for host in HOSTS:
        headers = [] if host is None else [("host", host)]
        kw: dict[str, Any] = {"headers": headers, "scheme": scheme, "query_string": b"q=1", "path": "/p/\u00fc"}
        assert await snapshot(ours, make_scope(**kw)) == await snapshot(theirs, make_scope(**kw)), host


@pytest.mark.anyio
@pytest.mark.parametrize("config", CONFIGS[:6])
@pytest.mark.current_reference
async def test_websocket_matches_starlette(config: dict[str, Any]) -> None:
    theirs, ours = StarletteTrustedHostMiddleware(app, **config), TrustedHostMiddleware(app, **config)
    for host in ["example.com", "evil.com", "www.example.com"]:
        kw: dict[str, Any] = {"headers": [("host", host)], "scheme": "ws", "scope_type": "websocket"}
        assert await run_asgi(ours, make_scope(**kw)) == await run_asgi(theirs, make_scope(**kw)), host


@pytest.mark.anyio
async def test_invalid_host_is_400() -> None:
    middleware = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    assert await snapshot(middleware, make_scope(headers=[("host", "evil.com")])) == (
        400,
        [("content-length", "19"), ("content-type", "text/plain; charset=utf-8")],
        b"Invalid host header",
        [False],
    )


@pytest.mark.anyio
async def test_www_redirect_keeps_port_path_and_query() -> None:
    middleware = TrustedHostMiddleware(app, allowed_hosts=["www.example.com"])
    scope = make_scope(path="/a b", query_string=b"x=1", headers=[("host", "example.com:8000")])
    assert await snapshot(middleware, scope) == (
        307,
        [("content-length", "0"), ("location", "http://www.example.com:8000/a%20b?x=1")],
        b"",
        [False],
    )


@pytest.mark.anyio
async def test_lifespan_passes_through() -> None:
    middleware = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    assert await run_asgi(middleware, {"type": "lifespan"}) == [{"type": "lifespan.startup.complete"}]


def test_bad_wildcard_is_refused_at_construction() -> None:
    with pytest.raises(FastAPIError, match=r"got the host pattern 'ex\*\.com'"):
        TrustedHostMiddleware(app, allowed_hosts=["ex*.com"])
    with pytest.raises(FastAPIError, match=r"got the host pattern '\*example\.com'"):
        TrustedHostMiddleware(app, allowed_hosts=["*example.com"])


def test_single_string_is_refused_at_construction() -> None:
    with pytest.raises(FastAPIError, match=r"allowed_hosts=\['example.com'\]"):
        TrustedHostMiddleware(app, allowed_hosts="example.com")


def test_test_client_matches_starlette() -> None:
    from zephyr.testclient import TestClient

    config: dict[str, Any] = {"allowed_hosts": ["www.example.com", "*.api.example.com"]}
    for url in ("http://example.com/x?y=1", "http://www.example.com/", "https://v1.api.example.com/", "http://evil/"):
        ours = TestClient(TrustedHostMiddleware(app, **config), follow_redirects=False).get(url)
        theirs = TestClient(StarletteTrustedHostMiddleware(app, **config), follow_redirects=False).get(url)
        assert ours.status_code == theirs.status_code
        assert sorted(ours.headers.multi_items()) == sorted(theirs.headers.multi_items())
        assert ours.content == theirs.content

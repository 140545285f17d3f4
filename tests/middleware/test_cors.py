from __future__ import annotations

import itertools
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from tests.middleware._asgi import make_scope, run_asgi, snapshot
from zephyr.middleware.cors import CORSMiddleware
from zephyr.types import Message, Receive, Scope, Send


async def plain_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1000})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})


async def vary_app(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [
        (b"content-type", b"text/plain"),
        (b"vary", b"Accept"),
        (b"Vary", b"Cookie"),
        (b"access-control-allow-origin", b"https://inner.example"),
        (b"access-control-expose-headers", b"X-Inner"),
    ]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": b"created"})


CONFIGS: list[dict[str, Any]] = [
    {},
    {"allow_origins": ["https://a.example"]},
    {"allow_origins": ["*"]},
    {"allow_origins": "*"},
    {"allow_origins": ["*"], "allow_credentials": True},
    {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]},
    {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"], "allow_credentials": True},
    {
        "allow_origins": ["https://a.example", "https://b.example"],
        "allow_methods": ["GET", "post", "PUT"],
        "allow_headers": ["X-Token", "authorization"],
        "allow_credentials": True,
        "expose_headers": ["X-Total", "x-page"],
        "max_age": 42,
    },
    {"allow_origin_regex": r"https://.*\.example\.org", "allow_methods": ["GET", "DELETE"]},
    {"allow_origins": ["https://a.example"], "allow_origin_regex": r"https://b\.example", "allow_credentials": True},
    {"allow_origins": ["https://a.example"], "allow_private_network": True},
    {"allow_origins": ["*"], "allow_private_network": True, "allow_credentials": True},
]

ORIGINS = ["https://a.example", "https://b.example", "https://x.example.org", "https://x.example.org.evil", "null"]

PREFLIGHT_EXTRAS: list[dict[str, str]] = [
    {"access-control-request-method": "GET"},
    {"access-control-request-method": "POST"},
    {"access-control-request-method": "post"},
    {"access-control-request-method": "DELETE", "access-control-request-headers": "X-Token"},
    {"access-control-request-method": "GET", "access-control-request-headers": "x-token, Authorization"},
    {"access-control-request-method": "GET", "access-control-request-headers": "content-type,accept"},
    {"access-control-request-method": "GET", "access-control-request-headers": "X-Other"},
    {"access-control-request-method": "GET", "access-control-request-headers": "x-token,, accept"},
    {"access-control-request-method": "GET", "access-control-request-headers": ""},
    {"access-control-request-method": "PUT", "access-control-request-private-network": "true"},
    {"access-control-request-method": "GET", "access-control-request-private-network": "false"},
]

SIMPLE_EXTRAS: list[dict[str, str]] = [{}, {"cookie": "session=1"}]


def both(config: dict[str, Any], app: Any = plain_app) -> tuple[Any, Any]:
    return StarletteCORSMiddleware(app, **config), CORSMiddleware(app, **config)


@pytest.mark.anyio
@pytest.mark.parametrize("config", CONFIGS)
async def test_preflight_matches_starlette(config: dict[str, Any]) -> None:
    theirs, ours = both(config)
    for origin, extra in itertools.product(ORIGINS, PREFLIGHT_EXTRAS):
        scope = make_scope("OPTIONS", headers=[("origin", origin), *extra.items()])
        assert await snapshot(ours, scope) == await snapshot(theirs, make_scope(**_kw(scope))), (origin, extra)


@pytest.mark.anyio
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("app", [plain_app, vary_app])
async def test_simple_request_matches_starlette(config: dict[str, Any], app: Any) -> None:
    theirs, ours = both(config, app)
    for origin, extra, method in itertools.product(ORIGINS, SIMPLE_EXTRAS, ["GET", "POST", "OPTIONS"]):
        headers = [("origin", origin), *extra.items()]
        assert await snapshot(ours, make_scope(method, headers=headers)) == await snapshot(
            theirs, make_scope(method, headers=headers)
        ), (origin, extra, method)


def _kw(scope: dict[str, Any]) -> dict[str, Any]:
    headers = [(name.decode(), value.decode()) for name, value in scope["headers"]]
    return {"method": scope["method"], "headers": headers}


@pytest.mark.anyio
@pytest.mark.parametrize("config", CONFIGS[:3])
async def test_request_without_origin_only_gains_vary_origin(config: dict[str, Any]) -> None:
    theirs, ours = both(config)
    for method in ("GET", "OPTIONS"):
        scope = make_scope(method, headers=[("access-control-request-method", "GET")])
        result = await snapshot(ours, scope)
        assert result == (200, [("content-type", "text/plain"), ("vary", "Origin")], b"hello", [False])
        assert result == await snapshot(theirs, make_scope(method, headers=[("access-control-request-method", "GET")]))


@pytest.mark.anyio
async def test_preflight_disallowed_origin_is_400() -> None:
    app = CORSMiddleware(plain_app, allow_origins=["https://a.example"])
    status, headers, body, _ = await snapshot(
        app,
        make_scope("OPTIONS", headers=[("origin", "https://evil.example"), ("access-control-request-method", "GET")]),
    )
    assert status == 400
    assert body == b"Disallowed CORS origin"
    assert ("content-length", "22") in headers
    assert ("content-type", "text/plain; charset=utf-8") in headers
    assert not any(name == "access-control-allow-origin" for name, _ in headers)


@pytest.mark.anyio
async def test_preflight_allowed_echoes_origin_with_credentials() -> None:
    app = CORSMiddleware(plain_app, allow_origins=["*"], allow_credentials=True, allow_headers=["*"])
    scope = make_scope(
        "OPTIONS",
        headers=[
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "X-Custom"),
        ],
    )
    status, headers, body, _ = await snapshot(app, scope)
    assert (status, body) == (200, b"OK")
    assert headers == [
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-headers", "X-Custom"),
        ("access-control-allow-methods", "GET"),
        ("access-control-allow-origin", "https://a.example"),
        ("access-control-max-age", "600"),
        ("content-length", "2"),
        ("content-type", "text/plain; charset=utf-8"),
        (
            "vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
            "Access-Control-Request-Private-Network",
        ),
    ]


@pytest.mark.anyio
async def test_simple_request_adds_vary_origin_to_existing_vary() -> None:
    app = CORSMiddleware(vary_app, allow_origins=["https://a.example"])
    status, headers, body, _ = await snapshot(app, make_scope(headers=[("origin", "https://a.example")]))
    assert (status, body) == (201, b"created")
    assert headers == [
        ("access-control-allow-origin", "https://a.example"),
        ("access-control-expose-headers", "X-Inner"),
        ("content-type", "text/plain"),
        ("vary", "Accept, Origin"),
        ("vary", "Cookie"),  # sent as ``Vary``: only the lowercase header is merged, as Starlette does
    ]


@pytest.mark.anyio
async def test_private_network_preflight_refused_unless_allowed() -> None:
    headers = [
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
        ("access-control-request-private-network", "true"),
    ]
    refused = await snapshot(
        CORSMiddleware(plain_app, allow_origins=["https://a.example"]), make_scope("OPTIONS", headers=headers)
    )
    assert (refused[0], refused[2]) == (400, b"Disallowed CORS private-network")
    allowed = await snapshot(
        CORSMiddleware(plain_app, allow_origins=["https://a.example"], allow_private_network=True),
        make_scope("OPTIONS", headers=headers),
    )
    assert (allowed[0], allowed[2]) == (200, b"OK")
    assert ("access-control-allow-private-network", "true") in allowed[1]


@pytest.mark.anyio
async def test_websocket_scope_passes_through() -> None:
    app = CORSMiddleware(plain_app, allow_origins=["https://a.example"])
    sent: list[Message] = await run_asgi(app, make_scope(scope_type="websocket", headers=[("origin", "https://evil")]))
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_invalid_origin_regex_raises_at_construction() -> None:
    import re

    with pytest.raises(re.error):
        CORSMiddleware(plain_app, allow_origin_regex="(")


async def two_vary_app(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"vary", b"Accept"), (b"content-type", b"text/plain"), (b"vary", b"Cookie")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"x"})


@pytest.mark.anyio
@pytest.mark.parametrize("origin", [None, "https://a.example", "https://b.example"])
async def test_repeated_vary_headers_match_starlette(origin: str | None) -> None:
    theirs, ours = both({"allow_origins": ["https://a.example"]}, two_vary_app)
    headers = [] if origin is None else [("origin", origin)]
    assert await snapshot(ours, make_scope(headers=headers)) == await snapshot(theirs, make_scope(headers=headers))


def test_test_client_matches_starlette() -> None:
    from zephyr.testclient import TestClient

    config: dict[str, Any] = {"allow_origins": ["https://a.example"], "allow_methods": ["*"], "allow_credentials": True}
    theirs, ours = both(config)
    requests: list[tuple[str, dict[str, str]]] = [
        ("GET", {}),
        ("GET", {"origin": "https://a.example"}),
        ("GET", {"origin": "https://evil.example"}),
        ("OPTIONS", {"origin": "https://a.example", "access-control-request-method": "PATCH"}),
        ("OPTIONS", {"origin": "https://evil.example", "access-control-request-method": "PATCH"}),
    ]
    for method, headers in requests:
        ours_response = TestClient(ours).request(method, "/", headers=headers)
        theirs_response = TestClient(theirs).request(method, "/", headers=headers)
        assert ours_response.status_code == theirs_response.status_code
        assert sorted(ours_response.headers.multi_items()) == sorted(theirs_response.headers.multi_items())
        assert ours_response.content == theirs_response.content

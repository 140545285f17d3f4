from __future__ import annotations

from typing import Any, cast

import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware as UvicornProxyHeadersMiddleware

from tests.middleware._asgi import make_scope
from tests.middleware._client import assert_exported_surface, echo_scope_app, make_client
from zephyr.middleware.proxy_headers import ProxyHeadersMiddleware
from zephyr.types import Message


async def run(
    headers: list[tuple[str, str]], *, client: str = "127.0.0.1", scope_type: str = "http", **kwargs: Any
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = make_scope(headers=headers, scope_type=scope_type)
    scope["client"] = (client, 5000)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        pass

    await ProxyHeadersMiddleware(inner, **kwargs)(scope, receive, send)
    return seen


@pytest.mark.anyio
async def test_trusted_peer_x_forwarded_headers_rewrite_scope() -> None:
    scope = await run(
        [("x-forwarded-for", "203.0.113.7"), ("x-forwarded-proto", "https"), ("x-forwarded-host", "example.com")]
    )
    assert scope["client"] == ("203.0.113.7", 0)
    assert scope["scheme"] == "https"
    assert scope["server"] == ("example.com", 443)
    assert dict(scope["headers"])[b"host"] == b"example.com"


@pytest.mark.anyio
async def test_untrusted_peer_headers_are_ignored() -> None:
    scope = await run([("x-forwarded-for", "203.0.113.7"), ("x-forwarded-proto", "https")], client="198.51.100.1")
    assert scope["client"] == ("198.51.100.1", 5000)
    assert scope["scheme"] == "http"


@pytest.mark.anyio
async def test_chain_walk_stops_at_first_untrusted_hop() -> None:
    # The client forged "1.2.3.4" at the start; 10.0.0.5 is a trusted inner proxy.
    headers = [("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.5")]
    scope = await run(headers, trusted_hosts=["127.0.0.1", "10.0.0.0/8"])
    assert scope["client"] == ("203.0.113.7", 0)


@pytest.mark.anyio
async def test_all_hops_trusted_takes_leftmost() -> None:
    scope = await run([("x-forwarded-for", "10.0.0.9, 10.0.0.5")], trusted_hosts="127.0.0.1,10.0.0.0/8")
    assert scope["client"] == ("10.0.0.9", 0)


@pytest.mark.anyio
async def test_forwarded_header_rfc7239() -> None:
    headers = [
        ("forwarded", 'for=1.2.3.4;proto=http, for="[2001:db8::1]:4711";proto=https;host=api.example.com:8443'),
        ("x-forwarded-for", "9.9.9.9"),
    ]
    scope = await run(headers)
    assert scope["client"] == ("2001:db8::1", 0)
    assert scope["scheme"] == "https"
    assert scope["server"] == ("api.example.com", 8443)
    assert dict(scope["headers"])[b"host"] == b"api.example.com:8443"


@pytest.mark.anyio
async def test_websocket_scheme_becomes_wss() -> None:
    scope = await run([("x-forwarded-proto", "https")], scope_type="websocket")
    assert scope["scheme"] == "wss"


@pytest.mark.anyio
async def test_forwarded_port_and_wildcard_trust() -> None:
    scope = await run(
        [("x-forwarded-host", "example.com"), ("x-forwarded-port", "8080"), ("x-forwarded-proto", "http")],
        client="192.0.2.55",
        trusted_hosts="*",
    )
    assert scope["server"] == ("example.com", 8080)
    assert dict(scope["headers"])[b"host"] == b"example.com:8080"


@pytest.mark.anyio
async def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    await ProxyHeadersMiddleware(inner)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


@pytest.mark.parametrize(
    "headers",
    [
        {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"},
        {"x-forwarded-for": "1.2.3.4, 203.0.113.7, 127.0.0.1"},
        {},
    ],
)
def test_matches_uvicorn_for_client_and_scheme(headers: dict[str, str]) -> None:
    ours = make_client(ProxyHeadersMiddleware(echo_scope_app, trusted_hosts=["127.0.0.1", "testclient"]))
    theirs = make_client(
        UvicornProxyHeadersMiddleware(cast("Any", echo_scope_app), trusted_hosts=["127.0.0.1", "testclient"])
    )
    a = ours.get("/", headers=headers).json()
    b = theirs.get("/", headers=headers).json()
    assert (a["client"][0], a["scheme"]) == (b["client"][0], b["scheme"])


def test_exported_surface() -> None:
    import zephyr.middleware.proxy_headers as module

    assert_exported_surface(module)


@pytest.mark.anyio
async def test_odd_host_values_do_not_crash() -> None:
    scope = await run([("x-forwarded-host", "example.com:\u00b2"), ("x-forwarded-proto", "https")])
    assert scope["server"] == ("example.com", 443)
    scope = await run([("x-forwarded-host", "[::1]:8443")])
    assert scope["server"] == ("::1", 8443)
    assert dict(scope["headers"])[b"host"] == b"[::1]:8443"
    scope = await run([("forwarded", "for=unknown;proto=gopher"), ("x-forwarded-port", "x")])
    assert scope["client"] == ("unknown", 0)
    assert scope["scheme"] == "http"

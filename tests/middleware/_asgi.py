"""Drive a bare ASGI app with one request and record what it sends, for differential tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zephyr.types import ASGIApp, Message

__all__ = ("Snapshot", "make_scope", "run_asgi", "snapshot", "summarize")

Snapshot = tuple[int, list[tuple[str, str]], bytes, list[bool]]


def make_scope(
    method: str = "GET",
    path: str = "/",
    headers: Sequence[tuple[str, str]] = (),
    *,
    scope_type: str = "http",
    scheme: str = "http",
    query_string: bytes = b"",
    server: tuple[str, int] | None = ("testserver", 80),
    root_path: str = "",
) -> dict[str, Any]:
    """Build an HTTP (or WebSocket) scope as a server would."""
    return {
        "type": scope_type,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": query_string,
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        "client": ("127.0.0.1", 50000),
        "server": server,
        "extensions": {"websocket.http.response": {}} if scope_type == "websocket" else {},
    }


async def run_asgi(app: ASGIApp, scope: dict[str, Any], body: bytes = b"") -> list[Message]:
    """Call ``app`` once and return every message it sent."""
    sent: list[Message] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        if chunks:
            return chunks.pop()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def summarize(messages: list[Message]) -> Snapshot:
    """Reduce a response to status, sorted lowercased headers, body bytes and the ``more_body`` flags."""
    start = messages[0]
    headers = sorted((name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in start["headers"])
    bodies = [message for message in messages[1:] if message["type"].endswith("http.response.body")]
    body = b"".join(message.get("body", b"") for message in bodies)
    return start["status"], headers, body, [bool(message.get("more_body", False)) for message in bodies]


async def snapshot(app: ASGIApp, scope: dict[str, Any], body: bytes = b"") -> Snapshot:
    """Run ``app`` on ``scope`` and summarize its response."""
    return summarize(await run_asgi(app, scope, body))

"""ASGI calls for response tests: a scope, server-like receives, and the messages an app sends, summarised."""

from __future__ import annotations

import re
from typing import Any

import anyio

from zephyr.types import Message, Receive, Scope

__all__ = (
    "FILE_BYTES",
    "FILE_SIZE",
    "call",
    "disconnect_receive",
    "idle_receive",
    "make_scope",
    "normalize_boundary",
    "summary",
)

FILE_SIZE = 200_000
FILE_BYTES = bytes(index % 251 for index in range(FILE_SIZE))
"""A file of 200,000 bytes that no range lines up with by accident."""


def make_scope(
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
    scope_type: str = "http",
    spec_version: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> Scope:
    scope: Scope = {
        "type": scope_type,
        "path": "/",
        "query_string": b"",
        "headers": [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers],
    }
    if scope_type == "http":
        scope["method"] = method
    if spec_version is not None:
        scope["asgi"] = {"version": "3.0", "spec_version": spec_version}
    if extensions is not None:
        scope["extensions"] = extensions
    return scope


def idle_receive() -> Receive:
    """A receive like a server's: the (empty) request body, then nothing until the client goes away."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    return receive


def disconnect_receive() -> Receive:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    return receive


async def call(app: Any, scope: Scope | None = None, receive: Receive | None = None) -> list[Message]:
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope if scope is not None else make_scope(), receive or idle_receive(), send)
    return messages


def summary(messages: list[Message]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and the whole body; checks that the body ends properly."""
    start = messages[0]
    assert start["type"] in ("http.response.start", "websocket.http.response.start")
    bodies = messages[1:]
    assert bodies, "no body message"
    assert all(m["type"].endswith("http.response.body") for m in bodies)
    assert all(m.get("more_body", False) for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)
    return start["status"], list(start["headers"]), b"".join(bytes(m["body"]) for m in bodies)


def normalize_boundary(result: tuple[int, list[tuple[bytes, bytes]], bytes]) -> tuple[int, list[Any], bytes]:
    status, headers, body = result
    content_type = dict(headers).get(b"content-type", b"")
    match = re.match(rb"multipart/byteranges; boundary=([0-9a-f]+)$", content_type)
    if match is None:
        return status, headers, body
    boundary = match.group(1)
    assert len(boundary) == 26
    return (
        status,
        [(key, value.replace(boundary, b"BOUNDARY")) for key, value in headers],
        body.replace(boundary, b"BOUNDARY"),
    )

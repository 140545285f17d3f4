"""The true ceiling: answers S1-S4 with bytes prepared at import, doing no other work per request.

``raw_app`` is a hand-written app that still routes, parses and serializes per request; this one only matches the
path and sends a prepared answer, so nothing written in Python on the same server can be faster. ``app`` speaks ASGI
(for uvicorn and Granian's ASGI interface); ``rsgi_app`` speaks Granian's RSGI, to measure what RSGI itself could
give. Requests outside S1-S4 go to ``raw_app``, so every scenario still has an answer.
"""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from benchmarks.apps import raw_app
from benchmarks.apps._data import ITEMS

__all__ = ("app", "rsgi_app")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


_NEW_USER = {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "age": 36}
# S3's exact request body; another body on the same path (S6's invalid one) goes to raw_app
_S3_BODY = json.dumps({"name": "Ada Lovelace", "email": "ada@example.com", "age": 36}).encode()
_ANSWERS: dict[tuple[str, str, bytes], tuple[int, bytes]] = {
    ("GET", "/hello", b""): (200, _json({"message": "hello"})),
    ("GET", "/users/42", b"limit=10&q=abc"): (200, _json({"user_id": 42, "limit": 10, "q": "abc"})),
    ("POST", "/users", b""): (201, _json(_NEW_USER)),
    ("GET", "/items", b""): (200, _json(ITEMS)),
}
_STARTS = {
    key: {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    for key, (status, body) in _ANSWERS.items()
}
_BODIES = {key: {"type": "http.response.body", "body": body} for key, (_, body) in _ANSWERS.items()}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        key = (scope["method"], scope["path"], scope["query_string"])
        start = _STARTS.get(key)
        if start is not None:
            if scope["method"] == "POST":
                message = await receive()
                # Granian's ASGI sends the whole body still marked more_body, then an empty message: S3's exact
                # bytes are the whole body either way (a server frames it by Content-Length).
                if message.get("body", b"") != _S3_BODY:
                    await raw_app.app(scope, _replay(message, receive), send)
                    return
            await send(start)
            await send(_BODIES[key])
            return
    await raw_app.app(scope, receive, send)


def _replay(first: MutableMapping[str, Any], receive: Receive) -> Receive:
    pending = [first]

    async def replay() -> MutableMapping[str, Any]:
        return pending.pop() if pending else await receive()

    return replay


_RSGI_HEADERS = {
    key: [("content-type", "application/json"), ("content-length", str(len(body)))]
    for key, (_, body) in _ANSWERS.items()
}


class _RSGIApp:
    """The same prepared answers over RSGI (S1-S4 only)."""

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        key = (scope.method, scope.path, scope.query_string.encode())
        answer = _ANSWERS.get(key)
        if answer is None:
            protocol.response_bytes(404, [("content-type", "application/json")], b'{"detail":"Not Found"}')
            return
        if scope.method == "POST" and await protocol() != _S3_BODY:
            protocol.response_bytes(422, [("content-type", "application/json")], b'{"detail":"Invalid body"}')
            return
        protocol.response_bytes(answer[0], _RSGI_HEADERS[key], answer[1])


rsgi_app = _RSGIApp()

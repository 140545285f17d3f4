"""The benchmark scenarios as a hand-written ASGI app: the ceiling, with no framework at all.

Routing is a dict lookup on the first path segment, JSON goes through the standard library, and S3's body is
validated by hand into the same error shape FastAPI uses. Nothing here is cached between requests that a framework
could not cache too: every response body is serialized per request.
"""

import itertools
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from benchmarks.apps._data import EXTRA_ROUTES, ITEMS, USERS_BY_TOKEN

__all__ = ("app",)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Handler = Callable[[Scope, Receive, list[str]], Awaitable[tuple[int, Any]]]

_JSON_HEADERS = [(b"content-type", b"application/json")]
_ids = itertools.count(1)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _validate_user(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return [{"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be an object", "input": data}]
    errors: list[dict[str, Any]] = []
    for field in ("name", "email"):
        value = data.get(field)
        if not isinstance(value, str):
            errors.append({"type": "string_type", "loc": ["body", field], "msg": "Input should be a string"})
    age = data.get("age")
    if not isinstance(age, int) or isinstance(age, bool):
        errors.append({"type": "int_type", "loc": ["body", "age"], "msg": "Input should be an integer"})
    elif age < 18:
        errors.append(
            {
                "type": "greater_than_equal",
                "loc": ["body", "age"],
                "msg": "Input should be greater than or equal to 18",
                "input": age,
                "ctx": {"ge": 18},
            }
        )
    return errors


async def _hello(scope: Scope, receive: Receive, parts: list[str]) -> tuple[int, Any]:
    return 200, {"message": "hello"}


async def _users(scope: Scope, receive: Receive, parts: list[str]) -> tuple[int, Any]:
    if scope["method"] == "POST" and len(parts) == 1:
        try:
            data = json.loads(await _read_body(receive))
        except ValueError:
            return 422, {"detail": [{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}]}
        errors = _validate_user(data)
        if errors:
            return 422, {"detail": errors}
        return 201, {"id": next(_ids), "name": data["name"], "email": data["email"], "age": data["age"]}
    if scope["method"] == "GET" and len(parts) == 2:
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        try:
            user_id = int(parts[1])
            limit = int(query.get("limit", 10))
        except ValueError:
            return 422, {"detail": "user_id and limit must be integers"}
        return 200, {"user_id": user_id, "limit": limit, "q": query.get("q")}
    return 404, {"detail": "Not Found"}


async def _items(scope: Scope, receive: Receive, parts: list[str]) -> tuple[int, Any]:
    return 200, ITEMS


async def _me(scope: Scope, receive: Receive, parts: list[str]) -> tuple[int, Any]:
    authorization = ""
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    scheme, _, token = authorization.partition(" ")
    user = USERS_BY_TOKEN.get(token) if scheme.lower() == "bearer" else None
    if user is None:
        return 401, {"detail": "Not authenticated"}
    return 200, user


def _extra(i: int) -> Handler:
    async def extra(scope: Scope, receive: Receive, parts: list[str]) -> tuple[int, Any]:
        if len(parts) != 2:
            return 404, {"detail": "Not Found"}
        try:
            return 200, {"route": i, "x": int(parts[1])}
        except ValueError:
            return 422, {"detail": "x must be an integer"}

    return extra


_ROUTES: dict[str, Handler] = {
    "hello": _hello,
    "users": _users,
    "items": _items,
    "me": _me,
    **{f"r{i}": _extra(i) for i in range(EXTRA_ROUTES)},
}


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer the benchmark scenarios with nothing but the standard library."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    parts = scope["path"][1:].split("/")
    handler = _ROUTES.get(parts[0])
    status, payload = (404, {"detail": "Not Found"}) if handler is None else await handler(scope, receive, parts)
    body = _dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})

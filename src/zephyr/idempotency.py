"""``Idempotency-Key``: a ``POST``/``PATCH`` retried with the same key runs once; the retry gets the stored response.

Opt in on a route, a router or the whole app by adding an :class:`Idempotency` instance to its ``dependencies``. The
dependency documents the ``Idempotency-Key`` header and the ``409``/``422`` answers in OpenAPI; the work is done by
a per-route ASGI wrapper it brings along (``zephyr._hooks``), which sees the request body and the response:

- first request with a key: claims the key in the store (atomically, so across workers and hosts with Redis), runs
  the route, stores its status, headers and body (unless the status is 5xx, so a failure can be retried);
- same key, same request: answers the stored response, with ``Idempotent-Replayed: true``;
- same key, another body (or method/path): ``422``, as the IETF ``httpapi-idempotency-key-header`` draft says;
- same key while the first is still running: waits up to ``wait`` seconds for it, then answers ``409``;
- the store fails: ``503`` (running anyway could execute the request twice).

Keys expire after ``expire`` seconds. The key is scoped to the method and path.

Example:
    ```python
    idempotency = Idempotency(RedisStore("redis://127.0.0.1:6379/0"), expire=24 * 3600)


    @app.post("/orders", status_code=201, dependencies=[Depends(idempotency)])
    async def create_order(order: Order) -> Order: ...


    payments = APIRouter(prefix="/payments", dependencies=[Depends(idempotency)])
    ```
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any, Optional, Union

from pydantic import BaseModel

from zephyr._hooks import add_route_middleware, add_route_responses
from zephyr.param_functions import Header
from zephyr.stores.base import BaseStore
from zephyr.stores.memory import MemoryStore
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("Idempotency", "IdempotencyError", "IdempotencyMiddleware")

logger = logging.getLogger("zephyr.idempotency")

_POLL_INTERVAL = 0.02
_RUNNING = b"R"
_DONE = b"D"


class IdempotencyError(BaseModel):
    """The body of a ``409`` or ``422`` answer to a request whose ``Idempotency-Key`` cannot be honoured."""

    detail: str


class ValidationError(BaseModel):
    """One validation error (FastAPI's shape)."""

    loc: list[Union[str, int]]
    msg: str
    type: str


class HTTPValidationError(BaseModel):
    """FastAPI's validation error body."""

    detail: list[ValidationError]


_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {
        "model": IdempotencyError,
        "description": "Conflict: a request with this Idempotency-Key is still being processed; retry later",
    },
    422: {
        "model": Union[HTTPValidationError, IdempotencyError],
        "description": "Validation Error, or the Idempotency-Key was already used for a different request",
    },
}


class Idempotency:
    """Run ``POST``/``PATCH`` requests once per ``Idempotency-Key``; see the module docstring.

    Args:
        store: Where keys and responses are kept: a ``RedisStore`` to share them across workers and hosts, or a
            ``MemoryStore`` (the default) for one process.
        expire: Seconds a key and its stored response are kept.
        wait: Seconds a retry waits for the first request with its key to finish before answering ``409``.
        lock_timeout: Seconds a claimed key stays claimed if the worker that runs it dies before storing a response.
        methods: Methods it applies to; other methods pass through untouched.
        required: Answer ``400`` to a request of those methods without the header.
        name: Prefix of the store keys; two instances with the same name share keys.
    """

    def __init__(
        self,
        store: BaseStore | None = None,
        *,
        expire: float = 24 * 3600,
        wait: float = 10.0,
        lock_timeout: float = 60.0,
        methods: Iterable[str] = ("POST", "PATCH"),
        required: bool = False,
        name: str = "idem",
    ) -> None:
        if expire <= 0 or wait < 0 or lock_timeout <= 0:
            raise ValueError(
                f"Idempotency(expire={expire!r}, wait={wait!r}, lock_timeout={lock_timeout!r}): expire and "
                "lock_timeout must be > 0 and wait >= 0"
            )
        self.store = store if store is not None else MemoryStore()
        self.expire = expire
        self.wait = wait
        self.lock_timeout = lock_timeout
        self.methods = frozenset(method.upper() for method in methods)
        self.required = required
        self.prefix = f"{name}:"
        add_route_middleware(self, lambda app: IdempotencyMiddleware(app, self))
        add_route_responses(self, _RESPONSES)

    async def __call__(
        self,
        idempotency_key: Optional[str] = Header(
            None,
            alias="Idempotency-Key",
            max_length=255,
            description="A unique key (e.g. a UUID) per operation: a retry with the same key and body is answered "
            "with the first response instead of running again.",
        ),
    ) -> None:
        """Declare the header for OpenAPI and validation; the route's wrapper has done the work by now."""


class IdempotencyMiddleware:
    """The per-route ASGI wrapper an :class:`Idempotency` dependency brings along."""

    __slots__ = ("app", "config")

    def __init__(self, app: ASGIApp, config: Idempotency) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Replay, refuse, wait or run the request, by what the store holds for its key."""
        config = self.config
        if scope["type"] != "http" or scope["method"] not in config.methods:
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"idempotency-key")
        if key is None:
            if config.required:
                await _answer(send, 400, f"This {scope['method']} request needs an Idempotency-Key header")
                return
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        fingerprint = _fingerprint(scope, body)
        store_key = f"{config.prefix}{scope['method']} {scope['path']} {key}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + config.wait
        while True:
            try:
                record = await config.store.get(store_key)
                claimed = record is None and await config.store.add(
                    store_key, _RUNNING + fingerprint, config.lock_timeout
                )
            except Exception:
                # Running without the store could execute the request twice: refuse, and let the client retry.
                logger.exception("The idempotency store failed; answering 503")
                await _answer(
                    send,
                    503,
                    "The idempotency store is unavailable, so this request was not run; retry it with the same key",
                    headers=[(b"retry-after", b"1")],
                )
                return
            if claimed:
                await self._run(scope, _replay(body, more, receive), send, store_key, fingerprint)
                return
            if record is None:
                continue  # another request claimed the key between the read and the claim: read it
            if record[1:33] != fingerprint:
                await _answer(
                    send,
                    422,
                    f"The Idempotency-Key {key!r} was already used for a different request; use a new key for a "
                    "new request",
                )
                return
            if record[:1] == _DONE:
                await _send_stored(send, record[33:])
                return
            if loop.time() >= deadline:
                await _answer(
                    send,
                    409,
                    f"A request with the Idempotency-Key {key!r} is still being processed; retry after it finished",
                    headers=[(b"retry-after", b"1")],
                )
                return
            await asyncio.sleep(_POLL_INTERVAL)

    async def _run(self, scope: Scope, receive: Receive, send: Send, store_key: str, fingerprint: bytes) -> None:
        config = self.config
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        stored = False
        try:
            await self.app(scope, receive, capture)
            status = int(start.get("status", 500))
            if start and status < 500:
                headers = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in start["headers"]]
                head = json.dumps({"status": status, "headers": headers}, separators=(",", ":")).encode()
                await config.store.set(
                    store_key, _DONE + fingerprint + head + b"\n" + b"".join(chunks), expires_in=config.expire
                )
                stored = True
        finally:
            if not stored:  # a failure (5xx, exception, disconnect) frees the key so that a retry runs again
                await config.store.delete(store_key)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """Read the whole request body; return it and any non-body message received after it (a disconnect)."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), [message]
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts), []


def _replay(body: bytes, extra: list[Message], receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *extra]

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _fingerprint(scope: Scope, body: bytes) -> bytes:
    digest = hashlib.sha256()
    digest.update(scope["method"].encode())
    digest.update(b"\x00" + scope["path"].encode() + b"\x00" + scope.get("query_string", b"") + b"\x00")
    digest.update(body)
    return digest.digest()


async def _send_stored(send: Send, payload: bytes) -> None:
    head, _, body = payload.partition(b"\n")
    meta = json.loads(head)
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in meta["headers"]]
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": meta["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

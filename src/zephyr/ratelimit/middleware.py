"""``RateLimitMiddleware``: one rate limit in front of the whole app (or every path but a few).

Example:
    ```python
    app = FastAPI()
    app.add_middleware(RateLimitMiddleware, rate="1000/hour", store=RedisStore(), exclude_paths=["/health"])
    ```
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from zephyr.ratelimit._engine import STORE_FAILED, Engine, OnStoreError, denied_detail, limit_headers
from zephyr.ratelimit.algorithms import Algorithm
from zephyr.ratelimit.keys import KeyFunc
from zephyr.ratelimit.rates import Rate
from zephyr.stores.base import BaseStore, RateLimitResult
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("RateLimitMiddleware",)

_UNAVAILABLE = "Rate limiting is unavailable right now. Retry after 1 second."


class _ScopeView:
    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


def _connection_factory() -> Callable[[Scope], Any]:
    try:
        from zephyr.requests import HTTPConnection
    except ImportError:  # pragma: no cover - only while the requests module is missing
        return _ScopeView
    return HTTPConnection


class RateLimitMiddleware:
    """Limit every HTTP request by client (by default, its IP) before it reaches the app.

    Allowed responses carry ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` and ``RateLimit-Policy``
    (unless a route limit already set a lower ``RateLimit-Remaining``); denied requests get ``429`` with
    ``Retry-After`` and ``{"detail": "Rate limit exceeded: ... Retry after N seconds."}``. WebSocket and lifespan
    traffic passes through.

    Args:
        app: The ASGI app to protect.
        rate: The limit, such as ``"100/minute"``.
        key: Who a request counts against (see :mod:`zephyr.ratelimit.keys`); default: the client IP.
        store: Where counters live: a ``MemoryStore`` (default, per process) or a ``RedisStore`` (shared).
        algorithm: ``"fixed-window"`` (default), ``"sliding-window"``, ``"token-bucket"``/``"gcra"``, or an
            algorithm instance.
        cost: How much each request consumes.
        on_store_error: ``"allow"`` (fail open, default) or ``"deny"`` (fail closed, ``503``) when the store fails.
        trusted_proxies: Proxies whose ``X-Forwarded-For`` is believed by the default key.
        exclude_paths: Path prefixes that are never limited (``"/health"``...).
        headers: Whether to add the ``RateLimit-*`` headers to allowed responses.
        name: Names the counters in the store; two middlewares with the same name share them.
    """

    __slots__ = ("_conn", "_engine", "_exclude", "_fixed", "_headers", "app")

    def __init__(
        self,
        app: ASGIApp,
        rate: str | Rate | tuple[int, float] = "100/minute",
        *,
        key: KeyFunc | None = None,
        store: BaseStore | None = None,
        algorithm: str | Algorithm = "fixed-window",
        cost: int = 1,
        on_store_error: OnStoreError = "allow",
        trusted_proxies: Iterable[str] = (),
        exclude_paths: Iterable[str] = (),
        headers: bool = True,
        name: str = "global",
    ) -> None:
        self.app = app
        self._engine = Engine(
            rate,
            key=key,
            store=store,
            algorithm=algorithm,
            cost=cost,
            on_store_error=on_store_error,
            trusted_proxies=trusted_proxies,
            name=name,
        )
        self._exclude = tuple(exclude_paths)
        self._headers = headers
        self._conn = _connection_factory()
        limit, period = self._engine.rate
        # the parts of the headers that never change, encoded once
        self._fixed = (
            (b"ratelimit-limit", str(limit).encode()),
            (b"ratelimit-policy", f"{limit};w={period:g}".encode()),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its client's limit, then answer 429 or run the app."""
        if scope["type"] != "http" or (self._exclude and scope["path"].startswith(self._exclude)):
            await self.app(scope, receive, send)
            return
        engine = self._engine
        client_key = await engine.client_key(self._conn(scope))
        if client_key is None:
            await self.app(scope, receive, send)
            return
        result = await engine.hit(client_key)
        if result is None:
            await self.app(scope, receive, send)
        elif result is STORE_FAILED:
            await _send_json(send, 503, _UNAVAILABLE, [("Retry-After", "1")])
        elif not result.allowed:
            headers = limit_headers(result, engine.rate.period, denied=True)
            await _send_json(send, 429, denied_detail(engine.rate, result), headers)
        elif not self._headers:
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, _HeaderSend(send, result, self._fixed))


class _HeaderSend:
    __slots__ = ("fixed", "result", "send")

    def __init__(self, send: Send, result: RateLimitResult, fixed: tuple[tuple[bytes, bytes], ...]) -> None:
        self.send = send
        self.result = result
        self.fixed = fixed

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            for name, value in headers:
                if name.lower() == b"ratelimit-remaining":
                    # a route limit with fewer requests left already answered; its headers are the useful ones
                    if int(value) <= self.result.remaining:
                        await self.send(message)
                        return
                    headers = [(n, v) for n, v in headers if not n.lower().startswith(b"ratelimit")]
                    break
            result = self.result
            headers.append(self.fixed[0])
            headers.append((b"ratelimit-remaining", str(result.remaining).encode()))
            headers.append((b"ratelimit-reset", str(math.ceil(result.reset_after)).encode()))
            headers.append(self.fixed[1])
            message["headers"] = headers
        await self.send(message)


async def _send_json(send: Send, status: int, detail: str, headers: list[tuple[str, str]]) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})

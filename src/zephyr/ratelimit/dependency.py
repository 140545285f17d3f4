"""Rate limits on a route or router: the ``RateLimiter`` dependency and the ``@limit`` decorator.

Example:
    ```python
    limiter = RateLimiter("5/second")

    @app.get("/search", dependencies=[Depends(limiter)])
    async def search(q: str) -> list[str]: ...

    @limit("100/minute", key=api_key("X-API-Key"))
    @app.get("/items")
    async def items() -> list[str]: ...

    router = APIRouter(dependencies=[Depends(RateLimiter("1000/hour", per_route=False))])
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from zephyr import status
from zephyr._hooks import add_route_dependency, add_route_responses
from zephyr.exceptions import HTTPException, WebSocketException
from zephyr.ratelimit._engine import STORE_FAILED, Engine, OnStoreError, denied_detail, limit_headers
from zephyr.ratelimit.algorithms import Algorithm
from zephyr.ratelimit.keys import KeyFunc
from zephyr.ratelimit.rates import Rate
from zephyr.requests import HTTPConnection
from zephyr.responses import Response
from zephyr.stores.base import BaseStore, RateLimitResult

__all__ = ("RateLimiter", "limit")

F = TypeVar("F", bound=Callable[..., Any])

_UNAVAILABLE = "Rate limiting is unavailable right now. Retry after 1 second."

_RESPONSE_429: dict[str, Any] = {
    "description": "Too Many Requests: the rate limit is exceeded; retry after the `Retry-After` seconds",
    "headers": {
        "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
        "RateLimit-Limit": {"description": "Requests allowed per window", "schema": {"type": "integer"}},
        "RateLimit-Remaining": {"description": "Requests left in the window", "schema": {"type": "integer"}},
        "RateLimit-Reset": {"description": "Seconds until the quota resets", "schema": {"type": "integer"}},
    },
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string", "title": "Detail"}},
                "required": ["detail"],
                "title": "RateLimitExceeded",
            }
        }
    },
}


class RateLimiter:
    """A dependency that counts each request against its client's limit and answers ``429`` beyond it.

    On success it sets ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` and ``RateLimit-Policy`` on
    the response (keeping the most restrictive when several limits apply); beyond the limit it raises
    ``HTTPException(429)`` with ``Retry-After`` and a detail saying how many seconds to wait.

    Example:
        ```python
        @app.get("/login", dependencies=[Depends(RateLimiter("5/minute", algorithm="sliding-window"))])
        async def login() -> dict[str, str]: ...
        ```

    Args:
        rate: The limit, such as ``"100/minute"`` (see :func:`~zephyr.ratelimit.rates.parse_rate`).
        key: Who a request counts against (see :mod:`zephyr.ratelimit.keys`): default, the client IP.
        store: A ``MemoryStore`` (default: one per limiter, per process) or a ``RedisStore`` (shared by workers).
        algorithm: ``"fixed-window"`` (default), ``"sliding-window"``, ``"token-bucket"``/``"gcra"``, or an
            algorithm instance.
        cost: How much each request consumes.
        on_store_error: ``"allow"`` (fail open, default) or ``"deny"`` (fail closed with ``503``) when the store
            fails. A ``RedisStore`` logs its failures itself and is skipped while failing, for every limit on it
            (see ``docs/stores.md``); other stores are logged by the limit, at most once a minute.
        trusted_proxies: Proxies whose ``X-Forwarded-For`` is believed by the default key.
        headers: Whether to set the ``RateLimit-*`` headers on successful responses.
        per_route: Count each route separately (default) or share one budget across every route using this limiter.
        name: Names the counters in the store (default: the rate); limiters with the same name and store share
            counters, which is how several workers agree.
        times: With ``milliseconds``, ``seconds``, ``minutes`` and ``hours``, the rate in fastapi-limiter's form
            (``RateLimiter(times=2, seconds=5)``), instead of ``rate``.
        milliseconds: See ``times``.
        seconds: See ``times``.
        minutes: See ``times``.
        hours: See ``times``.

    Raises:
        ValueError: No rate, or both forms, or an invalid rate or option.
    """

    __slots__ = ("_buckets", "_engine", "headers", "per_route")

    def __init__(
        self,
        rate: str | Rate | tuple[int, float] | None = None,
        *,
        key: KeyFunc | None = None,
        store: BaseStore | None = None,
        algorithm: str | Algorithm = "fixed-window",
        cost: int = 1,
        on_store_error: OnStoreError = "allow",
        trusted_proxies: Iterable[str] = (),
        headers: bool = True,
        per_route: bool = True,
        name: str | None = None,
        times: int | None = None,
        milliseconds: float = 0,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
    ) -> None:
        if times is not None:
            if rate is not None:
                raise ValueError(f"Give either a rate ({rate!r}) or times=/seconds=..., not both")
            rate = (times, milliseconds / 1000 + seconds + minutes * 60 + hours * 3600)
        elif rate is None:
            raise ValueError(
                "RateLimiter needs a rate, such as RateLimiter('5/second') or RateLimiter(times=5, seconds=1)"
            )
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
        self.headers = headers
        self.per_route = per_route
        self._buckets: dict[Any, str] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.rate)!r}, name={self._engine.name!r})"

    @property
    def rate(self) -> Rate:
        """The limit this dependency enforces."""
        return self._engine.rate

    @property
    def store(self) -> BaseStore:
        """The store holding the counters."""
        return self._engine.store

    def _bucket(self, scope: Any) -> str:
        endpoint = scope.get("endpoint")
        if endpoint is None:
            route = scope.get("route")
            return str(getattr(route, "path", None) or scope.get("path", ""))
        bucket = self._buckets.get(endpoint)
        if bucket is None:
            name = getattr(endpoint, "__qualname__", None) or type(endpoint).__qualname__
            bucket = self._buckets[endpoint] = f"{getattr(endpoint, '__module__', '')}.{name}"
        return bucket

    async def hit(self, request: Any) -> RateLimitResult | None:
        """Count ``request`` (anything with ``.scope``) and return the decision; ``None`` when exempt or fail-open."""
        engine = self._engine
        client_key = await engine.client_key(request)
        if client_key is None:
            return None
        return await engine.hit(client_key, self._bucket(request.scope) if self.per_route else "")

    async def __call__(self, request: HTTPConnection, response: Response) -> None:
        """Count the request; raise ``HTTPException(429)`` beyond the limit, else set the headers on ``response``.

        On a WebSocket route, the connection is counted and refused with ``WebSocketException`` instead.

        Raises:
            HTTPException: ``429`` beyond the limit; ``503`` when the store failed and ``on_store_error="deny"``.
            WebSocketException: The same, on a WebSocket: ``1008`` (policy violation) or ``1013`` (try again later).
        """
        result = await self.hit(request)
        if result is None:
            return
        if request.scope["type"] == "websocket":
            if result is STORE_FAILED:
                raise WebSocketException(status.WS_1013_TRY_AGAIN_LATER, reason=_UNAVAILABLE)
            if not result.allowed:
                raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason=denied_detail(self.rate, result))
            return
        if result is STORE_FAILED:
            raise HTTPException(503, detail=_UNAVAILABLE, headers={"Retry-After": "1"})
        if not result.allowed:
            headers = dict(limit_headers(result, self.rate.period, denied=True))
            raise HTTPException(429, detail=denied_detail(self.rate, result), headers=headers)
        if self.headers:
            current = response.headers.get("ratelimit-remaining")
            if current is not None and current.isdigit() and int(current) <= result.remaining:
                return  # a stricter limit already answered for this request
            for name, value in limit_headers(result, self.rate.period, denied=False):
                response.headers[name] = value


def limit(
    rate: str | Rate | tuple[int, float],
    *,
    key: KeyFunc | None = None,
    store: BaseStore | None = None,
    algorithm: str | Algorithm = "fixed-window",
    cost: int = 1,
    on_store_error: OnStoreError = "allow",
    trusted_proxies: Iterable[str] = (),
    headers: bool = True,
    name: str | None = None,
) -> Callable[[F], F]:
    """Limit one route: a decorator placed above or below the route decorator.

    It adds a :class:`RateLimiter` dependency to the endpoint (run after the router's and app's dependencies) and
    documents the ``429`` answer in OpenAPI, without wrapping the function. Stack several for several limits
    (``@limit("10/second")`` and ``@limit("1000/day")``). Arguments are those of :class:`RateLimiter`; ``name``
    defaults to the endpoint's qualified name and the rate.

    Example:
        ```python
        @app.get("/expensive")
        @limit("10/minute")
        async def expensive() -> dict[str, str]: ...
        ```
    """
    from zephyr.param_functions import Depends

    def decorator(func: F) -> F:
        limiter = RateLimiter(
            rate,
            key=key,
            store=store,
            algorithm=algorithm,
            cost=cost,
            on_store_error=on_store_error,
            trusted_proxies=trusted_proxies,
            headers=headers,
            per_route=False,
            name=name or f"{func.__module__}.{func.__qualname__}:{rate}",
        )
        add_route_dependency(func, Depends(limiter))
        add_route_responses(func, {429: _RESPONSE_429})
        return func

    return decorator

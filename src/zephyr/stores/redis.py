"""A Redis store, shared by every worker process and host that points at the same server.

``redis.asyncio`` is imported when the store is created, so ``import zephyr`` does not need the ``redis`` package.
Rate-limit hits run one Lua script per algorithm (one round trip, atomic, timed by the Redis server's clock so that
workers with drifting clocks agree). Every backend failure is raised as :class:`~zephyr.stores.base.StoreError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from zephyr.exceptions import MissingDependencyError
from zephyr.stores.base import BaseStore, RateLimitAlgorithm, RateLimitResult, StoreError

__all__ = ("RedisStore",)

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def _import_redis() -> Any:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as exc:  # pragma: no cover - redis is installed in the test environment
        raise MissingDependencyError("redis", "redis", "RedisStore") from exc
    return redis_asyncio


def _ms(seconds: float | None) -> int | None:
    if seconds is None:
        return None
    return max(1, int(seconds * 1000))


class RedisStore(BaseStore):
    """Keep values in Redis, under ``prefix``.

    Example:
        ```python
        store = RedisStore("redis://127.0.0.1:6379/0", prefix="myapp:")
        await store.set("k", b"v", expires_in=30)
        await store.close()
        ```

    Args:
        url: A ``redis://`` or ``rediss://`` URL; defaults to ``redis://127.0.0.1:6379/0``. Ignored with ``client``.
        client: An existing ``redis.asyncio.Redis`` client to use instead; the store does not close it.
        prefix: Prepended to every key, so several apps can share one database.
        timeout: Seconds to wait for a connection or an answer before failing (keeps requests fast when Redis is
            down; rate limiting then applies its ``on_store_error`` policy).

    Raises:
        MissingDependencyError: The ``redis`` package is not installed.
    """

    __slots__ = ("_client", "_loop", "_owns_client", "_scripts", "_timeout", "_url", "prefix")

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "zephyr:",
        timeout: float = 1.0,
    ) -> None:
        _import_redis()
        self.prefix = prefix
        self._url = url or DEFAULT_URL
        self._timeout = timeout
        self._owns_client = client is None
        self._client: Any = client
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r}, prefix={self.prefix!r})"

    @property
    def client(self) -> Any:
        """The ``redis.asyncio.Redis`` client (created on first use, per event loop when the store owns it)."""
        if not self._owns_client:
            return self._client
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # a client's connections belong to the loop that opened them; a new loop (a new TestClient, a new
            # worker) needs its own pool
            redis_asyncio = _import_redis()
            self._client = redis_asyncio.Redis.from_url(
                self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
            self._loop = loop
            self._scripts = {}
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def get(self, key: str) -> bytes | None:
        """Return the value stored under ``key``, or ``None`` when absent or expired."""
        try:
            value = await self.client.get(self._key(key))
        except Exception as exc:
            raise self._error("GET", exc) from exc
        return None if value is None else bytes(value)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values of ``keys``, in order, with one ``MGET``."""
        if not keys:
            return []
        try:
            values = await self.client.mget([self._key(key) for key in keys])
        except Exception as exc:
            raise self._error("MGET", exc) from exc
        return [None if value is None else bytes(value) for value in values]

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        """Store ``value`` under ``key``; it expires after ``expires_in`` seconds if given."""
        try:
            await self.client.set(self._key(key), value, px=_ms(expires_in))
        except Exception as exc:
            raise self._error("SET", exc) from exc

    async def add(self, key: str, value: bytes, expires_in: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent (``SET NX``); return whether it was stored."""
        try:
            return bool(await self.client.set(self._key(key), value, px=_ms(expires_in), nx=True))
        except Exception as exc:
            raise self._error("SET NX", exc) from exc

    async def delete(self, key: str) -> None:
        """Remove ``key`` (absent keys are ignored)."""
        await self.delete_many([key])

    async def delete_many(self, keys: Sequence[str]) -> None:
        """Remove every key in ``keys`` with one ``DEL``."""
        if not keys:
            return
        try:
            await self.client.delete(*[self._key(key) for key in keys])
        except Exception as exc:
            raise self._error("DEL", exc) from exc

    async def hit(self, algorithm: RateLimitAlgorithm, key: str, cost: int = 1) -> RateLimitResult:
        """Count one request of weight ``cost`` against ``key`` with ``algorithm``'s Lua script, atomically."""
        client = self.client
        script = self._scripts.get(algorithm.name)
        if script is None:
            script = self._scripts[algorithm.name] = client.register_script(algorithm.lua)
        try:
            reply = await script(keys=[self._key(key)], args=list(algorithm.lua_args(cost)))
        except Exception as exc:
            raise self._error("EVALSHA", exc) from exc
        return algorithm.parse(reply)

    async def close(self) -> None:
        """Close the connection pool, if the store created it."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def _error(self, command: str, exc: Exception) -> StoreError:
        return StoreError(f"Redis {command} failed on {self._url}: {type(exc).__name__}: {exc}")

"""A Redis store, shared by every worker process and host that points at the same server.

``redis.asyncio`` is imported when the store is created, so ``import zephyr`` does not need the ``redis`` package.
Rate-limit hits run one Lua script per algorithm (one round trip, atomic, timed by the Redis server's clock so that
workers with drifting clocks agree).

The store owns, per event loop, a bounded pool of connections and, per store, a circuit breaker
(:class:`~zephyr.stores.breaker.CircuitBreaker`) shared by every rate limit, cache and session using it:

- At most ``max_connections`` operations use Redis at once. The others queue, in order, for up to
  ``pool_timeout`` seconds: a burst waits for a connection instead of failing, and a wait that runs out raises
  :class:`~zephyr.stores.base.StoreBusyError` (an overload, logged at most once a minute), never a store failure.
- Once it has a connection, an operation has ``timeout`` seconds. An error, or no answer while Redis answered
  nobody else either, raises :class:`~zephyr.stores.base.StoreUnavailableError` and opens the breaker: the
  operations in flight are released at once, and the store is skipped (no I/O) for ``retry_interval`` seconds,
  doubling up to ``max_retry_interval`` while retries keep failing. An answer that is late while Redis keeps
  answering others (a burst on a busy worker) is waited for up to ``pool_timeout`` longer, then
  ``StoreBusyError``.
- An error reply from a working server (a ``ResponseError``) raises a plain
  :class:`~zephyr.stores.base.StoreError` and does not open the breaker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from zephyr.exceptions import MissingDependencyError
from zephyr.stores.base import BaseStore, RateLimitAlgorithm, RateLimitResult, StoreBusyError, StoreError
from zephyr.stores.breaker import CircuitBreaker

__all__ = ("RedisStore",)

logger = logging.getLogger("zephyr.stores")

T = TypeVar("T")

DEFAULT_URL = "redis://127.0.0.1:6379/0"

_BUSY_WARN_INTERVAL = 60.0


def _import_redis() -> Any:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as exc:  # pragma: no cover - redis is installed in the test environment
        raise MissingDependencyError("redis", "redis", "RedisStore") from exc
    return redis_asyncio


async def _disconnect_at_loop_end(pool: Any) -> AsyncGenerator[None, None]:
    """Wait, suspended, for the end of the event loop, then close ``pool``'s connections on it.

    asyncio closes every async generator still open on a loop before it closes the loop
    (``loop.shutdown_asyncgens()``, run by ``asyncio.run``, ``asyncio.Runner``, anyio, uvicorn and so every
    TestClient): this one is the store's hook for the end of its loop, when it can still await.
    """
    try:
        yield
    finally:
        await pool.disconnect()


def _watch_loop_end(pool: Any) -> AsyncGenerator[None, None]:
    """Start :func:`_disconnect_at_loop_end` on the running loop (its first step only yields, so it runs here)."""
    guard = _disconnect_at_loop_end(pool)
    with contextlib.suppress(StopIteration):
        guard.asend(None).send(None)
    return guard


def _release_pool(pool: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Close the connections ``pool`` opened on ``loop``, from outside that loop.

    A loop still running (another thread's) closes them itself. A closed loop (a TestClient's, once the client is
    closed) runs nothing any more, so their sockets are closed here, at once; left to the garbage collector, each
    would warn (``ResourceWarning``) wherever it happens to be freed. A loop stopped but not closed gets its
    transports aborted: it closes the sockets if it runs again.
    """
    if loop.is_running():
        with contextlib.suppress(RuntimeError):  # it closed in the meantime: close them here instead
            asyncio.run_coroutine_threadsafe(pool.disconnect(), loop)
            return
    closed = loop.is_closed()
    for connection in [*pool._available_connections, *pool._in_use_connections]:
        writer = connection._writer
        connection._reader = connection._writer = None
        if writer is not None:
            _abort(writer.transport, closed)


def _abort(transport: Any, loop_closed: bool) -> None:
    """Drop ``transport``'s connection now; on a closed loop, close its socket without the loop."""
    with contextlib.suppress(RuntimeError):  # a closed loop refuses the callback that would close the socket
        transport.abort()
    # asyncio's socket transports close their socket in that callback; a closed loop will never run it, so run it
    # here (other transports, uvloop's or TLS ones, are left to their own finalizers)
    finish = getattr(transport, "_call_connection_lost", None)
    if loop_closed and finish is not None and getattr(transport, "_sock", None) is not None:
        with contextlib.suppress(Exception):
            finish(None)


def _ms(seconds: float | None) -> int | None:
    if seconds is None:
        return None
    return max(1, int(seconds * 1000))


class RedisStore(BaseStore):
    """Keep values in Redis, under ``prefix``.

    Example:
        ```python
        store = RedisStore("redis://127.0.0.1:6379/0", prefix="myapp:", max_connections=100)
        await store.set("k", b"v", expires_in=30)
        await store.close()
        ```

    Args:
        url: A ``redis://`` or ``rediss://`` URL; defaults to ``redis://127.0.0.1:6379/0``. Ignored with ``client``.
        client: An existing ``redis.asyncio.Redis`` client to use instead; the store does not close it (nor size
            its pool: ``max_connections`` still bounds how many operations use it at once).
        prefix: Prepended to every key, so several apps can share one database.
        timeout: Seconds one operation may take once it has a connection (connecting included); beyond it, or on
            any error, the store counts as failing (see the module docs).
        max_connections: The size of the connection pool of each worker process (each event loop): at most this
            many operations at once. Every worker has its own, so Redis sees up to ``workers * max_connections``
            clients (its ``maxclients`` is 10,000 by default).
        pool_timeout: Seconds an operation waits for a free connection before giving up with ``StoreBusyError``
            (the caller's failure mode applies; the store is not counted as failing). Also how much longer than
            ``timeout`` an answer may take while Redis keeps answering other operations (an overloaded worker or
            server, not a failing one).
        retry_interval: Seconds the store is skipped after a failure, before one operation retries it.
        max_retry_interval: The longest skip: each failed retry doubles the interval up to this.

    Raises:
        MissingDependencyError: The ``redis`` package is not installed.
        ValueError: A size or time is out of range.
    """

    __slots__ = (
        "_busy",
        "_client",
        "_gate",
        "_guard",
        "_last_busy_warning",
        "_loop",
        "_owns_client",
        "_pool",
        "_scripts",
        "_url",
        "breaker",
        "max_connections",
        "pool_timeout",
        "prefix",
        "timeout",
    )

    breaker: CircuitBreaker
    """The store's circuit breaker, shared by every rate limit, cache and session using this store."""

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "zephyr:",
        timeout: float = 1.0,
        max_connections: int = 50,
        pool_timeout: float = 5.0,
        retry_interval: float = 1.0,
        max_retry_interval: float = 10.0,
    ) -> None:
        redis_asyncio = _import_redis()
        if not isinstance(max_connections, int) or max_connections < 1:
            raise ValueError(f"max_connections must be a positive integer, got {max_connections!r}")
        if not pool_timeout >= 0:
            raise ValueError(f"pool_timeout must be a number of seconds (0 or more), got {pool_timeout!r}")
        self.prefix = prefix
        self._url = url or DEFAULT_URL
        self.timeout = timeout
        self.max_connections = max_connections
        self.pool_timeout = pool_timeout
        self.breaker = CircuitBreaker(
            repr(self),
            timeout=timeout,
            retry_interval=retry_interval,
            max_retry_interval=max_retry_interval,
            patience=pool_timeout,
            ignore=(redis_asyncio.ResponseError,),
        )
        self._owns_client = client is None
        self._client: Any = client
        self._pool: Any = None
        self._guard: AsyncGenerator[None, None] | None = None
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}
        self._busy = 0
        self._last_busy_warning = -math.inf

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r}, prefix={self.prefix!r})"

    @property
    def client(self) -> Any:
        """The ``redis.asyncio.Redis`` client (created on first use, per event loop when the store owns it)."""
        self._bind()
        return self._client

    def _bind(self) -> asyncio.Semaphore:
        """Return this event loop's gate, creating the client and its pool for a new loop."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._gate is None:
            # a client's connections and a semaphore's waiters belong to the loop that made them; a new loop (a
            # new TestClient, a new worker) needs its own, and the old loop's connections are closed
            if self._owns_client and self._pool is not None and self._loop is not None and self._loop is not loop:
                _release_pool(self._pool, self._loop)
            self._gate = asyncio.Semaphore(self.max_connections)
            self._loop = loop
            self._scripts = {}
            if self._owns_client:
                self._client, self._pool = self._connect()
                self._guard = _watch_loop_end(self._pool)  # keeps it open until the loop ends or the store closes
        return self._gate

    def _connect(self) -> tuple[Any, Any]:
        redis_asyncio = _import_redis()
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError

        # The gate in ``_run`` is what queues a burst (and tells a pool wait from a failure); the blocking pool
        # of the same size only absorbs the moment between a cancelled operation giving its slot back and its
        # connection returning to the pool. The breaker times operations, telling a silent server from a busy
        # event loop; redis-py's own socket timeouts cannot (under a burst they fire while the answer waits to be
        # read), so they are only a backstop, well beyond the breaker's limits. One quick retry on a dropped
        # connection (a server restart, an idle timeout), none on timeouts: a hung server must cost one timeout.
        backstop = 2 * (self.timeout + self.pool_timeout) + 10.0
        pool = redis_asyncio.BlockingConnectionPool.from_url(
            self._url,
            max_connections=self.max_connections,
            timeout=backstop,
            socket_timeout=backstop,
            socket_connect_timeout=backstop,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        return redis_asyncio.Redis(connection_pool=pool), pool

    async def _run(self, command: str, operation: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run one Redis operation through the gate (bounded wait) and the circuit breaker (bounded time)."""
        breaker = self.breaker
        breaker.check()  # skipped: fail now rather than queue for a connection
        gate = self._bind()
        if gate.locked():
            try:
                await asyncio.wait_for(gate.acquire(), self.pool_timeout)
            except asyncio.TimeoutError:
                raise self._busy_error(command, f"no connection came free within {self.pool_timeout:g} s") from None
        else:
            await gate.acquire()
        try:
            return await breaker.call(operation)
        except StoreBusyError:  # late while Redis answered others: an overload, like a pool wait that ran out
            raise self._busy_error(command, f"no answer within {self.timeout + self.pool_timeout:g} s") from None
        except StoreError:
            raise
        except Exception as exc:  # an error reply: the server works, the command did not
            raise StoreError(f"Redis {command} failed on {self._url}: {type(exc).__name__}: {exc}") from exc
        finally:
            gate.release()

    def _busy_error(self, command: str, what: str) -> StoreBusyError:
        self._busy += 1
        now = time.monotonic()
        if now - self._last_busy_warning >= _BUSY_WARN_INTERVAL:
            logger.warning(
                "%r is overloaded: %s; %d operation(s) gave up since the last warning (the store is not counted as "
                "failing). If such bursts are expected, raise pool_timeout, max_connections (now %d) or the "
                "number of workers.",
                self,
                what,
                self._busy,
                self.max_connections,
            )
            self._last_busy_warning = now
            self._busy = 0
        return StoreBusyError(f"Redis {command} on {self._url}: {what} (max_connections={self.max_connections})")

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def get(self, key: str) -> bytes | None:
        """Return the value stored under ``key``, or ``None`` when absent or expired."""
        value = await self._run("GET", lambda: self._client.get(self._key(key)))
        return None if value is None else bytes(value)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values of ``keys``, in order, with one ``MGET``."""
        if not keys:
            return []
        values = await self._run("MGET", lambda: self._client.mget([self._key(key) for key in keys]))
        return [None if value is None else bytes(value) for value in values]

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        """Store ``value`` under ``key``; it expires after ``expires_in`` seconds if given."""
        await self._run("SET", lambda: self._client.set(self._key(key), value, px=_ms(expires_in)))

    async def add(self, key: str, value: bytes, expires_in: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent (``SET NX``); return whether it was stored."""
        return bool(
            await self._run("SET NX", lambda: self._client.set(self._key(key), value, px=_ms(expires_in), nx=True))
        )

    async def delete(self, key: str) -> None:
        """Remove ``key`` (absent keys are ignored)."""
        await self.delete_many([key])

    async def delete_many(self, keys: Sequence[str]) -> None:
        """Remove every key in ``keys`` with one ``DEL``."""
        if not keys:
            return
        await self._run("DEL", lambda: self._client.delete(*[self._key(key) for key in keys]))

    async def hit(self, algorithm: RateLimitAlgorithm, key: str, cost: int = 1) -> RateLimitResult:
        """Count one request of weight ``cost`` against ``key`` with ``algorithm``'s Lua script, atomically."""
        self._bind()
        script = self._scripts.get(algorithm.name)
        if script is None:
            script = self._scripts[algorithm.name] = self._client.register_script(algorithm.lua)
        args = list(algorithm.lua_args(cost))
        reply = await self._run("EVALSHA", lambda: script(keys=[self._key(key)], args=args))
        return algorithm.parse(reply)

    async def close(self) -> None:
        """Close the connection pool, if the store created it."""
        if self._owns_client and self._client is not None:
            client, pool, loop, guard = self._client, self._pool, self._loop, self._guard
            self._client, self._pool, self._gate, self._loop, self._guard = None, None, None, None, None
            if loop is asyncio.get_running_loop():
                await client.aclose()
                if guard is not None:
                    await guard.aclose()  # disconnects the pool
                await pool.disconnect()
            elif loop is not None:  # the pool belongs to another event loop, maybe closed: close it there
                _release_pool(pool, loop)

"""The key-value store interface shared by sessions, rate limiting and response caching.

A store keeps ``bytes`` values under ``str`` keys, each with an optional lifetime. Two implementations ship with
Zephyr: :class:`~zephyr.stores.memory.MemoryStore` (one process) and :class:`~zephyr.stores.redis.RedisStore`
(shared by every worker and host). Any object with the four coroutine methods of :class:`Store` can be used where a
store is expected; :class:`BaseStore` adds the extra operations rate limiting and caching use, with fallbacks.

Example:
    ```python
    store = MemoryStore()
    await store.set("greeting", b"hello", expires_in=60)
    assert await store.get("greeting") == b"hello"
    ```
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

from typing_extensions import Self

if TYPE_CHECKING:
    from zephyr.stores.breaker import CircuitBreaker

__all__ = (
    "BaseStore",
    "REPORTED_ERRORS",
    "RateLimitAlgorithm",
    "RateLimitResult",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreUnavailableError",
)


class StoreError(Exception):
    """A store could not be reached or answered with an error (the backend's exception is the ``__cause__``).

    The tree::

        StoreError                  the store failed; whoever catches it reports it
        ├── StoreUnavailableError   failing or skipped by the store's circuit breaker, which logged it
        └── StoreBusyError          no pooled connection came free in time; the store logged it (throttled)
    """


class StoreUnavailableError(StoreError):
    """The store failed just now or is being skipped after failing; its circuit breaker has logged it."""


class StoreBusyError(StoreError):
    """Every connection of the store's pool stayed busy for its ``pool_timeout``: an overload, not a failure.

    It never opens the store's circuit breaker; the store logs it at most once a minute.
    """


REPORTED_ERRORS = (StoreUnavailableError, StoreBusyError)
"""Store errors already logged by the store itself: callers apply their failure mode without logging again."""


@runtime_checkable
class Store(Protocol):
    """The minimal store: ``bytes`` values with an optional lifetime in seconds."""

    async def get(self, key: str) -> bytes | None:
        """Return the value stored under ``key``, or ``None`` when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        """Store ``value`` under ``key``, replacing any value; it expires after ``expires_in`` seconds if given."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing an absent key is not an error."""
        ...

    async def close(self) -> None:
        """Release connections and other resources; the store must not be used afterwards."""
        ...


class RateLimitResult(NamedTuple):
    """What a rate-limit algorithm decided for one request."""

    allowed: bool
    """Whether the request may proceed."""
    limit: int
    """The number of requests the policy allows per period."""
    remaining: int
    """How many more requests are allowed right now (after this one, if allowed)."""
    reset_after: float
    """Seconds until the quota is fully (fixed window: entirely) restored."""
    retry_after: float
    """Seconds until a denied request could succeed; ``0.0`` when allowed."""


class RateLimitAlgorithm(Protocol):
    """A rate-limit algorithm as a store runs it: pure Python for memory, a Lua script for Redis."""

    @property
    def name(self) -> str:
        """A short identifier, part of the storage key so two algorithms never share state."""
        ...

    @property
    def limit(self) -> int:
        """Requests allowed per period."""
        ...

    @property
    def period(self) -> float:
        """The period in seconds."""
        ...

    def apply(self, state: Any, now: float, cost: int) -> tuple[Any, RateLimitResult, float]:
        """Apply one request of weight ``cost`` at time ``now`` to ``state`` (``None`` when fresh).

        Returns:
            The new state, the decision and the state's lifetime in seconds.
        """
        ...

    @property
    def lua(self) -> str:
        """The Redis Lua script: ``KEYS[1]`` the state key, ``ARGV`` from :meth:`lua_args`, time from ``TIME``."""
        ...

    def lua_args(self, cost: int) -> Sequence[Any]:
        """Arguments for :attr:`lua`."""
        ...

    def parse(self, reply: Any) -> RateLimitResult:
        """Turn the script's reply into a :class:`RateLimitResult`."""
        ...


class BaseStore(abc.ABC):
    """Base class of Zephyr's stores: the :class:`Store` methods plus the extras rate limiting and caching use."""

    __slots__ = ()

    breaker: CircuitBreaker | None = None
    """The store's circuit breaker, shared by everything using the store (``None``: the store never fails)."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """Return the value stored under ``key``, or ``None`` when absent or expired."""

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        """Store ``value`` under ``key``; it expires after ``expires_in`` seconds if given."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key`` (absent keys are ignored)."""

    async def close(self) -> None:  # noqa: B027 - optional hook with a no-op default
        """Release resources (nothing to do by default)."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values of ``keys``, in order (one round trip where the backend allows)."""
        return [await self.get(key) for key in keys]

    async def add(self, key: str, value: bytes, expires_in: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent; return whether it was stored (atomic in Zephyr's stores)."""
        if await self.get(key) is not None:
            return False
        await self.set(key, value, expires_in)
        return True

    async def delete_many(self, keys: Sequence[str]) -> None:
        """Remove every key in ``keys``."""
        for key in keys:
            await self.delete(key)

    async def hit(self, algorithm: RateLimitAlgorithm, key: str, cost: int = 1) -> RateLimitResult:
        """Count one request of weight ``cost`` against ``key`` with ``algorithm``, atomically.

        Raises:
            StoreError: The backend failed.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not support rate limiting; use MemoryStore or RedisStore"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

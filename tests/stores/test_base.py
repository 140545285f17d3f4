from __future__ import annotations

import pytest

from zephyr.stores import BaseStore, MemoryStore, RateLimitResult, Store

pytestmark = pytest.mark.anyio


class _DictStore(BaseStore):
    """A minimal third-party store: only the abstract methods."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        self.data[key] = value

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)


async def test_base_store_fallbacks_use_the_abstract_methods() -> None:
    store = _DictStore()
    assert await store.add("a", b"1") is True
    assert await store.add("a", b"2") is False
    assert await store.get_many(["a", "b"]) == [b"1", None]
    await store.delete_many(["a"])
    assert store.data == {}
    await store.close()
    with pytest.raises(NotImplementedError, match="_DictStore does not support rate limiting"):
        await store.hit(None, "k")  # type: ignore[arg-type]


def test_rate_limit_result_fields() -> None:
    result = RateLimitResult(True, 10, 9, 60.0, 0.0)
    assert (result.allowed, result.limit, result.remaining, result.reset_after, result.retry_after) == (
        True,
        10,
        9,
        60.0,
        0.0,
    )


def test_protocol_accepts_any_object_with_the_four_methods() -> None:
    class Minimal:
        async def get(self, key: str) -> bytes | None:
            return None

        async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
            return None

        async def delete(self, key: str) -> None:
            return None

        async def close(self) -> None:
            return None

    assert isinstance(Minimal(), Store)
    assert not isinstance(object(), Store)
    assert isinstance(MemoryStore(), BaseStore)

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.stores.support import redis_store_for
from zephyr.stores import RedisStore


@pytest.fixture
async def redis_store(redis_url: str) -> AsyncIterator[RedisStore]:
    async for store in redis_store_for(redis_url):
        yield store

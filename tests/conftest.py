from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import postgres_url, redis_server_url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server URL; each test should use its own key prefix and clean up."""
    with redis_server_url() as url:
        yield url


@pytest.fixture(scope="session")
def database_url() -> str:
    """A PostgreSQL URL (``DATABASE_URL`` or the local ``test`` database)."""
    return postgres_url()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import postgres_url, redis_server_url

# The references the differential tests compare with: the newest FastAPI and the Starlette it brings. On Python 3.10
# the newest releases are older (FastAPI 0.162.5, Starlette 1.7), and some answers changed since; there, the
# comparisons marked ``current_reference`` (those whose answers changed since) are skipped; the rest still run.
REFERENCE_STARLETTE = (1, 10)
REFERENCE_FASTAPI = (0, 165)


def _version(package: str) -> tuple[int, ...] | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return tuple(int(part) for part in version(package).split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the comparisons whose reference on this Python is older than the one Zephyr matches."""
    starlette, fastapi = _version("starlette"), _version("fastapi")
    old_starlette = starlette is not None and starlette < REFERENCE_STARLETTE
    old_fastapi = fastapi is not None and fastapi < REFERENCE_FASTAPI
    if not (old_starlette or old_fastapi):
        return
    reason = (
        f"compares with FastAPI {'.'.join(map(str, REFERENCE_FASTAPI))} / Starlette "
        f"{'.'.join(map(str, REFERENCE_STARLETTE))}; this Python's newest are older"
    )
    for item in items:
        if item.get_closest_marker("current_reference") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


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

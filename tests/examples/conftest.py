"""Fixtures shared by the example apps' tests: a name unique to this test run, for tables and Redis keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.services import collect_leftover_connections


@pytest.fixture
def unique() -> str:
    """A short lowercase name no other test run uses (tables, key prefixes): shared data is never touched."""
    return f"ex_{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _leftover_connections() -> Iterator[None]:
    yield
    collect_leftover_connections()

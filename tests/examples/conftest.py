"""Fixtures shared by the example apps' tests: a name unique to this test run, for tables and Redis keys."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def unique() -> str:
    """A short lowercase name no other test run uses (tables, key prefixes): shared data is never touched."""
    return f"ex_{uuid.uuid4().hex[:12]}"

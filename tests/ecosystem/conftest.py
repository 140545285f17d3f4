from __future__ import annotations

from typing import Any

import pytest

from tests.ecosystem.harness import run_all


@pytest.fixture(scope="session")
def outcomes() -> dict[str, tuple[Any, Any]]:
    """Every ecosystem scenario's outcomes on FastAPI and on Zephyr, computed once per test session."""
    return run_all()

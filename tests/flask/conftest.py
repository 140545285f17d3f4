from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import collect_leftover_connections


@pytest.fixture(autouse=True)
def _leftover_connections() -> Iterator[None]:
    yield
    collect_leftover_connections()

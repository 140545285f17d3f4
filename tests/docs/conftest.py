from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import collect_closed_loop_connections


@pytest.fixture(autouse=True)
def _closed_loop_connections() -> Iterator[None]:
    yield
    collect_closed_loop_connections()

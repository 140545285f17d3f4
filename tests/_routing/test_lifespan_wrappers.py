"""Lifespans given as bare generator functions, async or plain, become async context managers."""

from __future__ import annotations

from collections.abc import Iterator

import anyio

from zephyr._routing.lifespan import wrap_generator_lifespan


def test_plain_generator_lifespan_runs_around_its_yield() -> None:
    events: list[str] = []

    def lifespan(app: object) -> Iterator[dict[str, int]]:
        events.append("start")
        yield {"answer": 42}
        events.append("stop")

    async def main() -> None:
        async with wrap_generator_lifespan(lifespan)(object()) as state:
            assert state == {"answer": 42}
            assert events == ["start"]

    anyio.run(main)
    assert events == ["start", "stop"]

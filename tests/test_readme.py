"""The README's tour is code users will paste: it must run, and its assertions must hold."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_tour_runs_and_its_assertions_hold() -> None:
    blocks = _python_blocks()
    namespace: dict[str, object] = {"__name__": "readme_tour"}
    exec(compile(blocks[0] + "\n" + blocks[1], str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert "app" in namespace


def test_batteries_example_builds_an_app() -> None:
    blocks = _python_blocks()
    namespace: dict[str, object] = {"__name__": "readme_batteries"}
    exec(compile(blocks[0], str(README), "exec"), namespace)  # noqa: S102 - the tour defines `app`
    exec(compile(blocks[2], str(README), "exec"), namespace)  # noqa: S102 - our own README
    app = namespace["app"]
    assert any(getattr(route, "path", None) == "/report" for route in app.routes)  # type: ignore[attr-defined]

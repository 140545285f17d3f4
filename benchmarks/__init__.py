"""Side-by-side benchmarks: Zephyr against FastAPI, Litestar, Flask and a hand-written ASGI app.

Run ``python -m benchmarks.run`` (see ``docs/benchmarks.md``); the apps live in ``benchmarks.apps``, the runner in
``benchmarks.run`` and the Markdown/chart writer in ``benchmarks.report``.
"""

from __future__ import annotations

__all__ = ()

"""One app per framework, all implementing the same scenarios (see ``benchmarks.scenarios``).

Each module exposes ``app`` and is written the way that framework's documentation writes apps. The shared data
(the 100 items, the users, the bearer token) lives in ``benchmarks.apps._data`` so every app serves the same bytes.
"""

from __future__ import annotations

__all__ = ()

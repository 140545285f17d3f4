"""Type-checked, never run: ``Middleware(cls, ...)`` checks the options against ``cls``'s signature.

mypy (strict, with ``warn_unused_ignores``) fails if a marked line stops being an error.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from zephyr.middleware import Middleware
from zephyr.middleware.cors import CORSMiddleware
from zephyr.middleware.gzip import GZipMiddleware

ours = Middleware(CORSMiddleware, allow_origins=["*"], max_age=5)
positional = Middleware(GZipMiddleware, 600, 5)
starlettes = Middleware(StarletteCORSMiddleware, allow_origins=["*"])
misspelled = Middleware(CORSMiddleware, allow_originz=["*"])  # type: ignore[call-arg]
wrong_type = Middleware(GZipMiddleware, minimum_size="big")  # type: ignore[arg-type]

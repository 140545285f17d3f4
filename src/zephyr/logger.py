"""``fastapi.logger``: the ``logging`` logger libraries written for FastAPI write to (named ``"fastapi"``)."""

from __future__ import annotations

import logging

__all__ = ("logger",)

logger = logging.getLogger("fastapi")
"""FastAPI's logger; Zephyr's own modules log under ``zephyr.*``."""

"""Make an example's log lines visible under ``zephyr run`` (uvicorn), where nothing else configures logging.

uvicorn configures only its own loggers (``uvicorn``, ``uvicorn.error``, ``uvicorn.access``); an app's
``logging.getLogger("myapp").info(...)`` then reaches a root logger without handlers, and Python drops it (its
last-resort handler shows WARNING and above only). An app that logs must configure logging itself, once, at import.
"""

from __future__ import annotations

import logging

__all__ = ("FORMAT", "configure_logging")

FORMAT = "%(levelname)-9s %(name)s: %(message)s"
"""Like uvicorn's own lines (``INFO      examples.predict: ...``), with the logger's name."""


def configure_logging(level: str | int = "INFO", name: str = "examples") -> None:
    """Give the root logger a stderr handler unless logging is configured already, and set ``name``'s level.

    ``basicConfig`` does nothing when the root logger has handlers (a test runner's, a ``--log-config`` file's), so
    an existing configuration wins.
    """
    logging.basicConfig(format=FORMAT)
    logging.getLogger(name).setLevel(level)

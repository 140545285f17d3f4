from __future__ import annotations

import logging

from zephyr.logger import logger


def test_logger_is_fastapis_named_logger() -> None:
    assert logger is logging.getLogger("fastapi")

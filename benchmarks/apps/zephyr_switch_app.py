"""The Zephyr benchmark app with ``install_as_fastapi()`` on and no instrumentation: the switch costs nothing."""

import zephyr

zephyr.install_as_fastapi()

from benchmarks.apps.zephyr_app import app  # noqa: E402

__all__ = ("app",)

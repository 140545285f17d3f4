"""Learn when a global OpenTelemetry provider is set: the API's three private setters, wrapped once.

OpenTelemetry's API has no notice for a provider being set: its private setters, through which
``set_tracer_provider``, ``set_meter_provider``, ``set_logger_provider`` and the environment's provider loading all
pass, are wrapped the first time something asks (``when_provider_set``), never at import. Telemetry that waits for a
provider (``_follow``'s apps, ``_middleware``'s deciding layers) registers a callback here. Nothing runs per request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ("when_provider_set",)

_callbacks: list[Callable[[], None]] = []
"""Called, in order, after a global provider is set (each registered once)."""
_lock = threading.Lock()
_SETTERS = (
    ("opentelemetry.trace", "_set_tracer_provider"),
    ("opentelemetry.metrics._internal", "_set_meter_provider"),
    ("opentelemetry._logs._internal", "_set_logger_provider"),
)
_MARK = "_zephyr_follows"


def when_provider_set(callback: Callable[[], None]) -> None:
    """Call ``callback`` after each global provider set from now on (wrapping the setters if not done yet).

    Importing OpenTelemetry's API, when it is installed (it is not imported here otherwise).
    """
    with _lock:
        if callback not in _callbacks:
            _callbacks.append(callback)
        _install()


def _install() -> None:
    """Wrap OpenTelemetry's provider setters (once; a setter that is missing or already wrapped is left alone)."""
    import importlib

    for module_name, name in _SETTERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # OpenTelemetry is not installed: no provider can be set
            continue
        original = getattr(module, name, None)
        if original is None or getattr(original, _MARK, False):
            continue
        setattr(module, name, _wrapped(original))


def _wrapped(original: Any) -> Any:
    def set_provider(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        with _lock:
            callbacks = tuple(_callbacks)
        for callback in callbacks:
            callback()
        return result

    set_provider.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(set_provider, _MARK, True)
    return set_provider

"""Telemetry that starts when a global provider is set after the app's stack was built.

FastAPI asks for the global tracer, meter and logger providers at every request, so an app started before
``trace.set_tracer_provider(...)`` (in a lifespan, or by a library configured later) is traced from the next request
on. Zephyr decides when the stack is built and asks nothing per request; instead, an app whose telemetry was off
for want of a provider is noted here, and setting a global provider re-decides for it at that moment: the telemetry
layer is put in its stack, in the place it would have had. An app whose layer is in place follows later changes
itself (``_middleware._Providers``).

OpenTelemetry's API has no notice for a provider being set: its setters are wrapped, the first time an app is noted
(``_setters``). With ``auto_configure`` the decision waits for the first request instead, and the layer deciding it
follows a provider set later itself (``_middleware._AfterStartup``). Nothing here runs per request.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from zephyr.logger import logger
from zephyr.types import ASGIApp

__all__ = ("follow", "provider_set")

_apps: weakref.WeakSet[Any] = weakref.WeakSet()
"""Apps whose telemetry is off for want of a provider (each keeps its untraced stack in ``_telemetry_inner``)."""
_lock = threading.Lock()


def follow(app: Any, inner: ASGIApp) -> None:
    """Re-decide ``app``'s telemetry when a global provider is set; ``inner`` is its stack without the layer."""
    from zephyr.telemetry._setters import when_provider_set

    app._telemetry_inner = inner
    with _lock:
        _apps.add(app)
    when_provider_set(provider_set)


def provider_set() -> None:
    """A global provider was set: put the telemetry layer into the stack of each noted app that now records."""
    with _lock:
        apps = list(_apps)
    for app in apps:
        try:
            if _redecide(app):
                _apps.discard(app)
        except Exception:  # setting a provider must never fail because of an app
            logger.exception("FastAPI telemetry could not start for %r", app)


def _redecide(app: Any) -> bool:
    """Whether ``app`` is done with: its layer is in place now, or its stack is no longer the one noted."""
    from zephyr.telemetry._middleware import TelemetryMiddleware, telemetry_layer

    inner = getattr(app, "_telemetry_inner", None)
    stack = app.middleware_stack
    if inner is None or stack is None:
        return True  # a stack built anew decides anew
    parent = None
    if stack is not inner:
        parent = stack
        # The wrappers outside the layer's place (an instrumentation's, Sentry's): a few at most.
        for _ in range(64):
            below = getattr(parent, "app", None)
            if below is inner or below is None:
                break
            parent = below
        else:
            below = None
        if below is None or isinstance(parent, TelemetryMiddleware):
            app._telemetry_inner = None
            return True  # no longer this stack, or its layer is there already
    layered = telemetry_layer(inner, app._telemetry)
    if layered is inner:
        return False
    if parent is None:
        app.middleware_stack = layered
    else:
        parent.app = layered
    app._telemetry_inner = None
    return True

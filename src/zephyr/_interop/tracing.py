"""Observability libraries written for FastAPI, on Zephyr's middleware stack: OpenTelemetry and Sentry.

- OpenTelemetry's ``FastAPIInstrumentor.instrument_app`` replaces ``app.build_middleware_stack`` and checks that
  the original returns Starlette's ``ServerErrorMiddleware``; it then re-wraps that layer's ``app``. When an
  instrumentation has replaced the method on the app, and only then, Zephyr's stack is returned inside Starlette's
  class (taken from ``sys.modules``, where the instrumentation loaded it), so its check holds and Zephyr's own error
  handling still answers every error inside.
- The same instrumentation replaces ``starlette.background.BackgroundTask.__call__`` to run each background task in
  a span: the tasks of Zephyr's ``BackgroundTasks`` run through the replacement while it is in place (Zephyr's tasks
  have the attributes Starlette's ``__call__`` reads).
- While a request is traced, Zephyr's per-phase timings (routing, validation, handler, serialization; see
  ``zephyr.middleware.timing``) are written on the server span as ``zephyr.<phase>_ms`` attributes.
- Sentry's FastAPI integration wraps ``fastapi.routing.get_request_handler`` (Zephyr honours that) and relies on
  Starlette's patched ``__call__`` to open a transaction and capture exceptions: Zephyr wraps its stack in Sentry's
  ASGI middleware instead, when the Sentry client has its FastAPI (or Starlette) integration enabled. Sentry also
  patches Starlette's exception middleware to capture handled HTTP errors whose status is in the integration's
  ``failed_request_status_codes`` (500-599 by default); Zephyr's error layers report those to the same capture.

All of it is decided once, when the stack is built; an app that uses none of it runs the plain stack.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("PhaseAttributesMiddleware", "capture_failed_requests", "instrumented_stack", "with_sentry")

_TIMINGS = "zephyr.timings"


class _AttributeNames(dict[str, str]):
    """``zephyr.<phase>_ms`` for each phase, built once per phase name."""

    def __missing__(self, phase: str) -> str:
        name = self[phase] = f"zephyr.{phase}_ms"
        return name


_NAMES = _AttributeNames()


class PhaseAttributesMiddleware:
    """Ask the core for per-phase timings and write them on the current OpenTelemetry span, in milliseconds."""

    def __init__(self, app: ASGIApp, get_current_span: Any) -> None:
        self.app = app
        self.get_current_span = get_current_span

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _TIMINGS in scope:
            await self.app(scope, receive, send)
            return
        timings: dict[str, float] = {}
        scope[_TIMINGS] = timings
        span = self.get_current_span()
        if not span.is_recording():
            await self.app(scope, receive, send)
            return

        async def sender(message: Message) -> None:
            # The instrumentation ends the span with the last body message: write the phases just before it.
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # One call: the SDK takes its attribute lock once, not once per phase.
                span.set_attributes({_NAMES[phase]: round(seconds * 1000, 3) for phase, seconds in timings.items()})
            await send(message)

        await self.app(scope, receive, sender)


def instrumented_stack(app: Any, stack: ASGIApp, debug: bool) -> ASGIApp:
    """``stack`` as an instrumentation that replaced ``app.build_middleware_stack`` expects it; else unchanged."""
    if "build_middleware_stack" not in vars(app):
        return stack
    trace = sys.modules.get("opentelemetry.trace")
    if trace is not None:
        stack = PhaseAttributesMiddleware(stack, trace.get_current_span)
    if "starlette.background" in sys.modules:
        from zephyr import background

        background._run = _starlette_task
    errors = sys.modules.get("starlette.middleware.errors")
    if errors is None:
        return stack
    # Zephyr's layers inside answer every error; this one only carries the shape the instrumentation checks for.
    wrapped: ASGIApp = errors.ServerErrorMiddleware(stack, handler=None, debug=debug)
    return wrapped


async def _starlette_task(task: Any) -> None:
    """Run a task of Zephyr's ``BackgroundTasks`` through Starlette's ``BackgroundTask.__call__`` if it was replaced."""
    call = sys.modules["starlette.background"].BackgroundTask.__call__
    if getattr(call, "__module__", None) == "starlette.background":
        await task()  # Starlette's own: nothing wraps the tasks (any more)
    else:
        await call(task)


def with_sentry(stack: ASGIApp) -> ASGIApp:
    """``stack`` inside Sentry's ASGI middleware when Sentry's FastAPI or Starlette integration is enabled."""
    sentry_sdk = sys.modules.get("sentry_sdk")
    if sentry_sdk is None:
        return stack
    client = sentry_sdk.get_client()
    integration = client.get_integration("fastapi") or client.get_integration("starlette")
    if integration is None:
        return stack
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

    options: dict[str, Any] = {
        "mechanism_type": integration.identifier,
        "span_origin": getattr(integration, "origin", "manual"),
        "asgi_version": 3,
    }
    accepted = inspect.signature(SentryAsgiMiddleware).parameters
    if "transaction_style" in accepted:  # sentry-sdk 2; version 3 names the transaction from the route itself
        options["transaction_style"] = integration.transaction_style
    if "root_path_in_path" in accepted:  # sentry-sdk 3: a path holds its root_path, as on Starlette >= 0.33
        from sentry_sdk.integrations._asgi_common import _RootPathInPath

        options["root_path_in_path"] = _RootPathInPath.EITHER
    methods = getattr(integration, "http_methods_to_capture", None)
    if methods is not None:
        options["http_methods_to_capture"] = methods
    wrapped: ASGIApp = SentryAsgiMiddleware(stack, **options)
    from zephyr import _errors

    if capture_failed_requests not in _errors.OBSERVERS:
        _errors.OBSERVERS.append(capture_failed_requests)
    return wrapped


def capture_failed_requests(scope: Scope, exc: Exception, handled: bool) -> None:
    """Capture a handled HTTP error whose status the Sentry integration counts as failed, as its Starlette patch does.

    Unhandled exceptions are left to Sentry's ASGI middleware, which captures what reaches it.
    """
    status = getattr(exc, "status_code", None)
    sentry_sdk = sys.modules.get("sentry_sdk")
    if not handled or not isinstance(status, int) or sentry_sdk is None:
        return
    client = sentry_sdk.get_client()
    integration = client.get_integration("starlette") or client.get_integration("fastapi")
    codes = getattr(integration, "failed_request_status_codes", None)
    if codes is None or status not in codes:
        return
    from sentry_sdk.utils import event_from_exception

    options: dict[str, Any] = {"mechanism": {"type": "starlette", "handled": True}}
    if "client_options" in inspect.signature(event_from_exception).parameters:  # sentry-sdk 2 (3 reads the client)
        options["client_options"] = client.options
    event, hint = event_from_exception(exc, **options)
    sentry_sdk.capture_event(event, hint=hint)

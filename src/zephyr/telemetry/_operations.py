"""FastAPI's operation spans: children of the request's span, each current while its work runs.

They are ``fastapi.dependencies``, ``fastapi.endpoint``, ``fastapi.serialization`` and ``fastapi.background_task``.

An ``Operation`` is started by the request's telemetry when operation spans are on, else ``NO_OPERATION`` stands in
(its methods do nothing). Both are context managers, and ``close`` ends one early (the dependencies' span ends where
the endpoint's begins). An error that leaves an operation marks its span failed, unless it is an error answered on
purpose (an HTTP or validation error, a normal WebSocket close); a background task's error always does.
"""

from __future__ import annotations

from typing import Any

from zephyr.telemetry._parts import exception_type, expected_error, function_name

__all__ = ("NO_OPERATION", "NoOperation", "Operation")


class Operation:
    """One operation span, current from its start until ``close`` (or the end of its ``with`` block)."""

    __slots__ = ("always", "context", "end", "error", "span", "token")

    def __init__(
        self, layer: Any, name: str, function: Any, always: bool = False, start_time: int | None = None
    ) -> None:
        attributes = {"code.function.name": function_name(function)}
        shortcuts = layer.shortcuts
        if shortcuts is not None:
            self.span = shortcuts.start(name, None, None, attributes, start_time=start_time)
        else:
            self.span = layer.tracer.start_span(name, attributes=attributes, start_time=start_time)
        self.context = layer._context
        self.error = layer._error
        self.always = always
        self.end = layer._end
        self.token: Any = self.context.attach(layer._set_span(self.span))

    def __enter__(self) -> Operation:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        self.close(exc)

    def close(self, exc: BaseException | None = None) -> None:
        """End the span (once), failed if ``exc`` is an unexpected error, and make its parent current again."""
        token = self.token
        if token is None:
            return
        self.token = None
        if isinstance(exc, Exception) and (self.always or not expected_error(exc)):
            self.span.set_attribute("error.type", exception_type(exc))
            self.span.set_status(self.error)
        self.context.detach(token)
        self.end(self.span)


class NoOperation:
    """Stands in for an ``Operation`` when operation spans are off: does nothing."""

    __slots__ = ()

    def __enter__(self) -> NoOperation:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        return None

    def close(self, exc: BaseException | None = None) -> None:
        """Nothing to end."""


NO_OPERATION = NoOperation()

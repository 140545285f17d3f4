"""The body and form limits a route serving another ASGI app (``Mount``, ``Host``) puts around it.

A mounted app, or the app a ``Host`` serves, is not compiled by the including router: its routes learn the limits of
the apps and routers a request passed through at request time, as FastAPI's do. ``max_body_size`` wraps the app in a
``BodyLimit`` (a nested one only changes the limit) and ``form_limits`` reach it through the scope
(``zephyr._bodylimit.with_form_limits``). A router served as it is brings its own limits, which win over an
including router's (FastAPI's router applies its own inside).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zephyr._bodylimit import BodyLimit, first_limit, with_form_limits
from zephyr._routing.dispatch import Router
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("ServedLimits",)


class ServedLimits:
    """``max_body_size`` and ``form_limits`` of a served app: its router's own, else those an inclusion gives it.

    A mixin for routes with an ``app``; they call ``_own_limits(app)`` when built and ``_serve`` to run the app.
    """

    _limits: tuple[int | None, dict[str, int]] | None = None
    """``(max_body_size, form_limits)`` of the served app, when either is set (checked once per request)."""
    _own_max_body_size: int | None = None
    _own_form_limits: dict[str, int] = {}  # noqa: RUF012 - read only: replaced, never changed in place

    def _own_limits(self, app: Any) -> None:
        """Take the limits of ``app`` when it is a router served as it is (they win over an including router's)."""
        router = app if isinstance(app, Router) else None
        self._own_max_body_size = getattr(router, "max_body_size", None)
        self._own_form_limits = dict(getattr(router, "form_limits", None) or {})
        self._set_limits(self._own_max_body_size, self._own_form_limits)

    @property
    def max_body_size(self) -> int | None:
        """The request body limit of the served app (the router's own, else an including router's); ``None``: none."""
        return self._limits[0] if self._limits is not None else None

    @max_body_size.setter
    def max_body_size(self, value: int | None) -> None:
        self._set_limits(first_limit(self._own_max_body_size, value), self.form_limits)

    @property
    def form_limits(self) -> dict[str, int]:
        """The ``form_limits`` the served app's routes inherit (an including router's, then the router's own)."""
        return self._limits[1] if self._limits is not None else {}

    @form_limits.setter
    def form_limits(self, value: Mapping[str, int]) -> None:
        self._set_limits(self.max_body_size, {**value, **self._own_form_limits})

    def _set_limits(self, max_body_size: int | None, form_limits: dict[str, int]) -> None:
        self._limits = (max_body_size, form_limits) if max_body_size is not None or form_limits else None

    async def _serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Run ``app`` under the limits (directly when there are none)."""
        limits = self._limits
        if limits is None:
            await app(scope, receive, send)
            return
        max_body_size, form_limits = limits
        app = with_form_limits(app, form_limits)
        if max_body_size is not None:
            app = BodyLimit(app, max_body_size)
        await app(scope, receive, send)

"""The route behind ``frontend()``: a static frontend build served after every other route."""

from __future__ import annotations

from zephyr._routing.base import BaseRoute
from zephyr._routing.match import Match
from zephyr._routing.plain import Mount
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("FrontendMount",)


class FrontendMount(BaseRoute):
    """A catch-all mount that always sorts after every other route (``app.frontend`` / ``router.frontend``).

    Args:
        path: The URL prefix the build is served under.
        app: The ASGI app serving it (a :class:`~zephyr.staticfiles.SinglePageApp`).
        name: A name for ``url_path_for``.
    """

    def __init__(self, path: str, app: ASGIApp, name: str | None) -> None:
        self._mount = Mount(path.rstrip("/"), app, name=name)
        self.compiled = self._mount.compiled
        self.path = self._mount.path
        self.name = name
        self.include_in_schema = False
        self.is_fallback = True

    @property
    def app(self) -> ASGIApp:
        """The ASGI app serving the build."""
        return self._mount.app

    def accepts(self, scope: Scope) -> Match:
        return self._mount.accepts(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._mount.handle(scope, receive, send)

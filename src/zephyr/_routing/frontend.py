"""The route behind ``frontend()``: a static frontend build served after every other route.

The router's dependencies (an app's ``dependencies=[...]``, an inclusion's) run before a page is served, as FastAPI
0.165 runs them: their errors answer instead, headers they set on a ``Response`` parameter are added to the page's,
their background tasks run after it, and ``yield`` dependencies exit once it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from zephyr._routing.base import BaseRoute
from zephyr._routing.match import Match
from zephyr._routing.plain import Mount
from zephyr.exceptions import FastAPIError
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("FrontendMount", "check_frontend_options")

_PAGE_METHODS = frozenset({"GET", "HEAD"})
_FALLBACKS = ("auto", "index.html", "404.html", None)
#: The scope key holding the path a frontend serves (the part after its prefix), read by ``SinglePageApp``.
FRONTEND_PATH = "zephyr.frontend_path"


def check_frontend_options(path: str, fallback: object) -> None:
    """Reject a ``frontend()`` path that is empty or relative, and an unknown ``fallback``.

    Raises:
        FastAPIError: (an ``AssertionError`` too, as FastAPI raises) what is wrong and what to pass instead.
    """
    if fallback not in _FALLBACKS:
        raise FastAPIError(f"frontend() fallback must be 'auto', 'index.html', '404.html' or None; got {fallback!r}.")
    if not path:
        raise FastAPIError("A frontend path cannot be empty; pass '/' to serve the build at the root.")
    if not path.startswith("/"):
        raise FastAPIError(f"A frontend path must start with '/'; got {path!r}, pass {'/' + path!r}.")


def _frontend_dependency_endpoint() -> None:
    """The call the frontend's dependencies hang from (its own return value is never used)."""


class FrontendMount(BaseRoute):
    """A catch-all mount that always sorts after every other route (``app.frontend`` / ``router.frontend``).

    Args:
        path: The URL prefix the build is served under.
        app: The ASGI app serving it (a :class:`~zephyr.staticfiles.SinglePageApp`).
        name: A name for ``url_path_for``.
        dependencies: The router's dependencies, run before a page is served.
        dependency_overrides_provider: Where ``dependency_overrides`` are read (the app).
    """

    def __init__(
        self,
        path: str,
        app: ASGIApp,
        name: str | None,
        *,
        dependencies: Sequence[Any] = (),
        dependency_overrides_provider: Any = None,
    ) -> None:
        self._mount = Mount(path.rstrip("/"), app, name=name)
        self.compiled = self._mount.compiled
        self.path = self._mount.path
        self.name = name
        self.include_in_schema = False
        self.is_fallback = True
        self.dependencies = list(dependencies)
        self.dependency_overrides_provider = dependency_overrides_provider
        self._dependant: Any = None

    @property
    def app(self) -> ASGIApp:
        """The ASGI app serving the build."""
        return self._mount.app

    def accepts(self, scope: Scope) -> Match:
        return self._mount.accepts(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The path under the frontend's prefix, as routing matched it: the build serves it even when the request's
        # path does not carry its root path (a proxy that strips it), as FastAPI's frontends do.
        scope = {**scope, FRONTEND_PATH: "/" + str(scope.get("path_params", {}).get("path", ""))}
        if not self.dependencies or scope["type"] != "http" or scope["method"] not in _PAGE_METHODS:
            await self._mount.handle(scope, receive, send)
            return
        await self._handle_with_dependencies(scope, receive, send)

    async def _handle_with_dependencies(self, scope: Scope, receive: Receive, send: Send) -> None:
        from zephyr.dependencies.utils import get_dependant, get_parameterless_sub_dependant, solve_dependencies
        from zephyr.exceptions import RequestValidationError
        from zephyr.requests import Request

        if self._dependant is None:
            dependant = get_dependant(path="", call=_frontend_dependency_endpoint)
            for depends in self.dependencies:
                dependant.dependencies.append(get_parameterless_sub_dependant(depends=depends, path=""))
            self._dependant = dependant
        async with AsyncExitStack() as stack:
            solved = await solve_dependencies(
                request=Request(scope, receive, send),
                dependant=self._dependant,
                dependency_overrides_provider=self.dependency_overrides_provider,
                async_exit_stack=stack,
            )
            if solved.errors:
                raise RequestValidationError(solved.errors)
            extra_headers = list(solved.response.raw_headers)

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start" and extra_headers:
                    message = {**message, "headers": [*message.get("headers", ()), *extra_headers]}
                await send(message)

            await self._mount.handle(scope, receive, send_with_headers)
            if solved.background_tasks is not None:
                await solved.background_tasks()

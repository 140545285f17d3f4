"""ASGI middleware, and ``Middleware``, the record of one middleware class and its options.

``Zephyr(middleware=[Middleware(CORSMiddleware, allow_origins=["*"])])`` and ``app.add_middleware(...)`` store such
records; the app instantiates them once, when it builds its middleware stack, as ``cls(app, *args, **kwargs)``.
Any ASGI middleware class works, Starlette's included: they are plain ASGI.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware import Middleware
    from zephyr.middleware.gzip import GZipMiddleware

    app = FastAPI(middleware=[Middleware(GZipMiddleware, minimum_size=1000)])
    ```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from typing_extensions import ParamSpec

from zephyr.types import ASGIApp

__all__ = ("Middleware",)

P = ParamSpec("P")


class _MiddlewareFactory(Protocol[P]):
    def __call__(self, app: ASGIApp, /, *args: P.args, **kwargs: P.kwargs) -> ASGIApp: ...  # pragma: no cover


class Middleware:
    """A middleware class (or factory) and the arguments to build it with.

    Unpacks as ``cls, args, kwargs = middleware``, as Starlette's ``Middleware`` does.

    Args:
        cls: The middleware class, or any callable taking the wrapped app first and returning an ASGI app.
        *args: Positional arguments passed after the app.
        **kwargs: Keyword arguments passed to ``cls``.

    Raises:
        TypeError: If ``cls`` is not callable.
    """

    __slots__ = ("args", "cls", "kwargs")

    def __init__(self, cls: _MiddlewareFactory[P], *args: P.args, **kwargs: P.kwargs) -> None:
        if not callable(cls):
            raise TypeError(
                f"Middleware() needs a middleware class or factory as its first argument, got {cls!r}. "
                "Pass the class itself, for example Middleware(CORSMiddleware, allow_origins=['*'])."
            )
        self.cls = cls
        self.args: tuple[Any, ...] = args
        self.kwargs: dict[str, Any] = kwargs

    def __iter__(self) -> Iterator[Any]:
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        parts = [getattr(self.cls, "__name__", "")]
        parts.extend(repr(value) for value in self.args)
        parts.extend(f"{key}={value!r}" for key, value in self.kwargs.items())
        return f"{type(self).__name__}({', '.join(parts)})"

    def build(self, app: ASGIApp) -> ASGIApp:
        """Instantiate the middleware around ``app``.

        Args:
            app: The ASGI app to wrap.

        Returns:
            The middleware instance, itself an ASGI app.
        """
        return self.cls(app, *self.args, **self.kwargs)

"""Exceptions raised and handled by Zephyr.

The tree::

    Exception
    ├── ZephyrError                      root of every error Zephyr defines
    │   ├── FastAPIError (RuntimeError, AssertionError)  an app or route is configured wrongly; at registration
    │   │   ├── DependencyScopeError     a dependency's scope cannot work where it is used
    │   │   └── PydanticV1NotSupportedError (TypeError)
    │   └── MissingDependencyError (ImportError)  an optional package is not installed
    │       └── MultipartInstallError (RuntimeError)  a form route, but python-multipart is missing or shadowed
    ├── HTTPException                    raise to answer with a status code and a ``detail``
    ├── WebSocketException               raise to close a WebSocket with a code and a reason
    └── ValidationException              request or response data did not validate
        ├── RequestValidationError       answered with 422 and ``{"detail": [...]}``
        ├── WebSocketRequestValidationError  closes the socket with 1008
        └── ResponseValidationError      the endpoint returned data its response model refuses (500)

    UserWarning
    ├── FastAPIDeprecationWarning        shown by default, as FastAPI's
    └── RouteDefinitionWarning           a route FastAPI accepts but that cannot work as written; says the fix
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = (
    "DependencyScopeError",
    "FastAPIDeprecationWarning",
    "FastAPIError",
    "HTTPException",
    "MissingDependencyError",
    "MultipartInstallError",
    "PydanticV1NotSupportedError",
    "RequestValidationError",
    "ResponseValidationError",
    "RouteDefinitionWarning",
    "ValidationException",
    "WebSocketException",
    "WebSocketRequestValidationError",
    "ZephyrDeprecationWarning",
    "ZephyrError",
)


class ZephyrError(Exception):
    """Root of every error Zephyr defines for misuse of the framework."""


class FastAPIError(ZephyrError, RuntimeError, AssertionError):
    """An app, router, route or dependency is configured wrongly.

    Raised while the app is built or a router is included, never on a request. It is also an ``AssertionError``
    because FastAPI reports most of these mistakes with ``assert``: code (and tests) catching either keep working.
    """


class DependencyScopeError(FastAPIError):
    """A dependency declares a scope that cannot work where it is used."""


class PydanticV1NotSupportedError(FastAPIError, TypeError):
    """A ``pydantic.v1`` model was used; Zephyr supports Pydantic v2 models only."""


class MissingDependencyError(ZephyrError, ImportError):
    """An optional package that a feature needs is not installed.

    The message names the package and the extra that installs it.
    """

    def __init__(self, package: str, extra: str, feature: str = "") -> None:
        what = f" for {feature}" if feature else ""
        super().__init__(
            f"The package {package!r} is needed{what} but is not installed. "
            f"Install it with: pip install 'zephyr[{extra}]'{_from_source_hint(extra)}"
        )
        self.package = package
        self.extra = extra


class MultipartInstallError(MissingDependencyError, RuntimeError):
    """A route reads a form or files, but python-multipart is not installed (or an unrelated ``multipart`` is).

    Raised when the route is registered. The message starts with FastAPI's sentence; the error is a
    ``RuntimeError`` too, as FastAPI's is.
    """

    def __init__(self, reason: str) -> None:
        ImportError.__init__(
            self, f"{reason}(or with Zephyr: pip install 'zephyr[multipart]'{_from_source_hint('multipart')})"
        )
        self.package = "python-multipart"
        self.extra = "multipart"


def _from_source_hint(extra: str) -> str:
    """Where Zephyr was installed from a local checkout, the install line that works for it (no index has it)."""
    import json
    from importlib import metadata

    try:
        origin = json.loads(metadata.distribution("zephyr").read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        return ""
    url = origin.get("url", "")
    if not isinstance(url, str) or not url.startswith("file://"):
        return ""
    editable = "-e " if origin.get("dir_info", {}).get("editable") else ""
    return f" (from a checkout: pip install {editable}'{url.removeprefix('file://')}[{extra}]')"


class FastAPIDeprecationWarning(UserWarning):
    """A deprecated FastAPI feature was used; it still works, but the warning says what to use instead."""


ZephyrDeprecationWarning = FastAPIDeprecationWarning


class RouteDefinitionWarning(UserWarning):
    """A route FastAPI accepts silently but that cannot work as written; the message says how to fix it.

    Shown once, when the route is added to the application: a path variable no parameter takes (its value is
    matched, then dropped), or a query parameter whose type no query string can give (it answers 422 to every
    request). Silence it with ``warnings.filterwarnings("ignore", category=RouteDefinitionWarning)``. Not shown under
    the ``fastapi`` import switch (``install_as_fastapi()``), where an app written for FastAPI runs as it does there:
    neither this warning nor the error for a required ``Path()`` parameter that names no segment of the path.
    """


class StarletteSeat(Exception):  # noqa: N818 - not raised: a base class
    """The base of ``HTTPException`` and ``WebSocketException`` that Starlette's class replaces with the fastapi switch.

    FastAPI's exceptions subclass Starlette's; with ``install_as_fastapi()``, once Starlette is imported, Starlette's
    class takes this one's place among the bases (``zephyr._interop.starlette_exceptions``). Python can swap a base
    only for one of the same layout, which ``Exception`` itself is not.
    """


class HTTPException(StarletteSeat):
    """Raise to answer the request with an HTTP error.

    Example:
        ```python
        @app.get("/items/{item_id}")
        async def read_item(item_id: str) -> dict[str, str]:
            if item_id not in items:
                raise HTTPException(status_code=404, detail="Item not found")
            return {"item": items[item_id]}
        ```

    Args:
        status_code: The HTTP status code of the answer.
        detail: Any JSON-encodable value, sent as ``{"detail": ...}``. Defaults to the status phrase.
        headers: Extra response headers, such as ``WWW-Authenticate``.
    """

    def __init__(self, status_code: int, detail: Any = None, headers: Mapping[str, str] | None = None) -> None:
        if detail is None:
            import http  # not at the top: ``import zephyr`` need not build the HTTPStatus enum

            detail = http.HTTPStatus(status_code).phrase
        # First: with the fastapi switch, the next base may be Starlette's HTTPException, whose __init__ sets these too.
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class WebSocketException(StarletteSeat):
    """Raise inside a WebSocket endpoint or dependency to close the connection.

    Args:
        code: The WebSocket close code, for example ``status.WS_1008_POLICY_VIOLATION``.
        reason: A short text sent with the close frame.
    """

    def __init__(self, code: int, reason: str | None = None) -> None:
        super().__init__(code, reason or "")  # first: the next base may be Starlette's (see HTTPException)
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(code={self.code!r}, reason={self.reason!r})"


class ValidationException(Exception):  # noqa: N818 - FastAPI's name, kept for drop-in compatibility
    """Common base of the validation errors: ``errors()`` lists what failed, as Pydantic reports it.

    Args:
        errors: The error dicts.
        endpoint_ctx: Where the failing endpoint is (``function``, ``path``, ``file``, ``line``, each optional);
            ``str()`` of the error names it. Zephyr fills it in when a request fails.
    """

    def __init__(self, errors: Sequence[Any], *, endpoint_ctx: dict[str, Any] | None = None) -> None:
        self._errors = errors
        super().__init__(errors)
        self.endpoint_ctx = endpoint_ctx
        context = endpoint_ctx or {}
        self.endpoint_function: Any = context.get("function")
        self.endpoint_path: Any = context.get("path")
        self.endpoint_file: Any = context.get("file")
        self.endpoint_line: Any = context.get("line")

    def errors(self) -> Sequence[Any]:
        """Return the list of error dicts (``type``, ``loc``, ``msg``, ``input``, ``ctx``)."""
        return self._errors

    def __str__(self) -> str:
        count = len(self._errors)
        message = f"{count} validation error{'s' if count != 1 else ''}:\n"
        message += "".join(f"  {error}\n" for error in self._errors)
        # Where the request failed, as FastAPI words it (the attributes are set when the error is raised).
        function = getattr(self, "endpoint_function", None)
        path = getattr(self, "endpoint_path", None)
        file = getattr(self, "endpoint_file", None)
        line = getattr(self, "endpoint_line", None)
        if file and line and function:
            message += f'\n  File "{file}", line {line}, in {function}'
            if path:
                message += f"\n    {path}"
        elif path:
            message += f"\n  Endpoint: {path}"
        return message.rstrip()


class RequestValidationError(ValidationException):
    """The request's parameters or body did not validate; answered with 422 by default.

    Args:
        errors: The error dicts.
        body: The request body as it was received, when there was one.
        endpoint_ctx: Where the failing endpoint is (see ``ValidationException``).
    """

    def __init__(self, errors: Sequence[Any], *, body: Any = None, endpoint_ctx: dict[str, Any] | None = None) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket endpoint's parameters did not validate; the socket is closed with 1008."""


class ResponseValidationError(ValidationException):
    """The endpoint returned data that its response model refuses; answered with 500.

    Args:
        errors: The error dicts.
        body: The value the endpoint returned.
        endpoint_ctx: Where the failing endpoint is (see ``ValidationException``).
    """

    def __init__(self, errors: Sequence[Any], *, body: Any = None, endpoint_ctx: dict[str, Any] | None = None) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body

"""Flask's request hooks: ``before_request``, ``after_request``, ``teardown_request`` and ``errorhandler``.

Each Flask-style app and blueprint owns a ``Hooks`` registry. Views declared Flask-style are registered with the
``FlaskRoute`` route class, whose handler runs the hooks of the view's blueprints and of the app around the view, in
Flask's order:

1. ``before_request``: the app's, then each blueprint's from the outermost in, in registration order; the first that
   returns a value answers the request and the view is skipped.
2. The view (its parameters injected and validated by Zephyr).
3. On an exception: the first ``errorhandler`` for the status code, then for the exception class (through its MRO),
   looked up in the innermost blueprint first and the app last; then the app's Zephyr exception handlers
   (``HTTPException``, validation errors, ``app.exception_handler(...)`` classes); anything left goes to
   ``errorhandler(500)`` (which receives an ``InternalServerError`` with ``original_exception``) or, without one,
   propagates to Zephyr (a 500).
4. ``after_request(response)``: the innermost blueprint's first, the app's last, each in reverse registration order.
5. ``teardown_request(exc)``: in the same order as ``after_request``, with the exception no handler took (or ``None``).

Hooks may be ``def`` (run in a worker thread) or ``async def``. A ``before_request`` hook that declares a parameter
receives the ``Request``.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from zephyr._compile import typing_utils as tu
from zephyr._routing.match import FULL
from zephyr.concurrency import run_in_threadpool
from zephyr.exceptions import HTTPException, RequestValidationError
from zephyr.flask.typed.responses import InternalServerError, _AbortResponse, make_response
from zephyr.requests import Request
from zephyr.responses import Response
from zephyr.routing import APIRoute
from zephyr.types import Receive, Scope, Send

__all__ = ("FlaskRoute", "Hooks", "ViewSpec", "current_view", "make_view", "serve_routing_error")

AsyncHook = Callable[..., Awaitable[Any]]

_SPEC = "__zephyr_flask_view__"

_current: contextvars.ContextVar[tuple[Request, ViewSpec] | None] = contextvars.ContextVar(
    "zephyr_flask_current", default=None
)


def _to_async(func: Callable[..., Any]) -> AsyncHook:
    """Decide once whether ``func`` runs on the loop or in a worker thread."""
    if tu.is_coroutine_callable(func):
        return func

    async def call(*args: Any) -> Any:
        return await run_in_threadpool(func, *args)

    return call


def _wants_argument(func: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


class Hooks:
    """The hooks and error handlers of one Flask-style app or blueprint.

    Args:
        name: The app's import name or the blueprint's name (for messages).
    """

    __slots__ = ("after", "before", "error_classes", "error_codes", "name", "teardown")

    def __init__(self, name: str) -> None:
        self.name = name
        self.before: list[tuple[AsyncHook, bool]] = []
        """``before_request`` hooks and whether each takes the request."""
        self.after: list[AsyncHook] = []
        """``after_request`` hooks, in registration order."""
        self.teardown: list[AsyncHook] = []
        """``teardown_request`` hooks, in registration order."""
        self.error_codes: dict[int, AsyncHook] = {}
        """Error handlers by HTTP status code."""
        self.error_classes: dict[type[BaseException], AsyncHook] = {}
        """Error handlers by exception class."""

    def add_before(self, func: Callable[..., Any]) -> None:
        """Register a ``before_request`` hook."""
        self.before.append((_to_async(func), _wants_argument(func)))

    def add_after(self, func: Callable[..., Any]) -> None:
        """Register an ``after_request`` hook."""
        self.after.append(_to_async(func))

    def add_teardown(self, func: Callable[..., Any]) -> None:
        """Register a ``teardown_request`` hook."""
        self.teardown.append(_to_async(func))

    def add_error_handler(self, code_or_exception: int | type[BaseException], func: Callable[..., Any]) -> None:
        """Register an error handler for a status code or an exception class.

        Raises:
            ValueError: ``code_or_exception`` is neither an HTTP error code (400-599) nor an exception class.
        """
        if isinstance(code_or_exception, int) and not isinstance(code_or_exception, bool):
            if not 400 <= code_or_exception <= 599:
                raise ValueError(
                    f"errorhandler({code_or_exception!r}): {code_or_exception} is not an HTTP error code; "
                    "use a code from 400 to 599 or an exception class."
                )
            self.error_codes[code_or_exception] = _to_async(func)
        elif isinstance(code_or_exception, type) and issubclass(code_or_exception, BaseException):
            self.error_classes[code_or_exception] = _to_async(func)
        else:
            raise ValueError(
                f"errorhandler({code_or_exception!r}) needs an HTTP error code or an exception class, "
                f"not {type(code_or_exception).__name__}."
            )


class ViewSpec:
    """What a Flask-style view needs at request time: its endpoint name and its hook chain (innermost first).

    Args:
        endpoint: The Flask endpoint name (``"bp.view"``).
        blueprint: The dotted name of the view's blueprint, or ``""`` for an app view.
        chain: The ``Hooks`` of the view's blueprints, innermost first (the app's are added at request time).
        methods: Every method of the rule, for the ``Allow`` header of a 405.
    """

    __slots__ = ("blueprint", "chain", "endpoint", "methods")

    def __init__(self, endpoint: str, blueprint: str, chain: Sequence[Hooks], methods: Sequence[str] = ()) -> None:
        self.endpoint = endpoint
        self.blueprint = blueprint
        self.chain = tuple(chain)
        self.methods = tuple(methods)


def current_view() -> tuple[Request, ViewSpec] | None:
    """The request and view being served by a Flask-style route in this context, if any."""
    return _current.get()


def make_view(func: Callable[..., Any], spec: ViewSpec) -> Callable[..., Any]:
    """Wrap a Flask-style view so that its return value becomes a ``Response`` (``make_response``).

    The wrapper keeps the view's parameters (with their annotations evaluated), so Zephyr injects and validates
    them, and is ``async`` exactly when the view is (a ``def`` view still runs in a worker thread).

    Args:
        func: The view function.
        spec: Its endpoint name and hook chain.

    Returns:
        The endpoint to register.
    """
    endpoint = spec.endpoint
    view: Any
    if tu.is_coroutine_callable(func):

        async def async_view(**kwargs: Any) -> Response:
            return make_response(await func(**kwargs), endpoint)

        view = async_view
    else:

        def sync_view(**kwargs: Any) -> Response:
            return make_response(func(**kwargs), endpoint)

        view = sync_view
    signature = tu.typed_signature(func)
    # Records left on the function by decorators placed below the route decorator (@limit, @cache...) still count.
    # ``__wrapped__`` is left out: the route looks through it to decide sync/async and generator handling.
    view.__dict__.update({k: v for k, v in getattr(func, "__dict__", {}).items() if k != "__wrapped__"})
    view.__signature__ = signature.replace(return_annotation=Response)
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(view, attribute, getattr(func, attribute, getattr(view, attribute)))
    setattr(view, _SPEC, spec)
    result: Callable[..., Any] = view
    return result


def _find_handler(chain: Sequence[Hooks], exc: BaseException) -> AsyncHook | None:
    """Flask's lookup: by status code (innermost blueprint to app), then by class along the MRO."""
    code: int | None = None
    if isinstance(exc, HTTPException):
        code = exc.status_code
    elif isinstance(exc, RequestValidationError):
        code = 422
    if code is not None:
        for hooks in chain:
            handler = hooks.error_codes.get(code)
            if handler is not None:
                return handler
    for hooks in chain:
        if hooks.error_classes:
            for cls in type(exc).__mro__:
                handler = hooks.error_classes.get(cls)
                if handler is not None:
                    return handler
    return None


async def _zephyr_handler(request: Request, exc: Exception) -> Response | None:
    """Answer ``exc`` with the app's Zephyr exception handler for it (not the 500 one), if there is one."""
    from zephyr._errors import lookup

    app = request.scope.get("app")
    handlers = {k: v for k, v in getattr(app, "exception_handlers", {}).items() if k not in (500, Exception)}
    handler = lookup(handlers, exc)
    if handler is None:
        return None
    if tu.is_coroutine_callable(handler):
        response: Response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    return response


async def _handle_exception(
    chain: Sequence[Hooks], request: Request, exc: Exception, endpoint: str
) -> tuple[Response, BaseException | None]:
    """The response for ``exc`` and the exception teardown hooks should see (``None`` once handled)."""
    if isinstance(exc, _AbortResponse):
        return exc.response, None
    handler = _find_handler(chain, exc)
    if handler is not None:
        return make_response(await handler(exc), endpoint), None
    # Then the app's own (FastAPI-style) exception handlers: HTTPException, validation errors, user classes.
    answered = await _zephyr_handler(request, exc)
    if answered is not None:
        return answered, None
    server_error = InternalServerError(exc)
    handler = _find_handler(chain, server_error)
    if handler is None:
        raise exc
    return make_response(await handler(server_error), endpoint), exc


async def _before(chain: Sequence[Hooks], request: Request) -> Any:
    for hooks in reversed(chain):
        for hook, wants_request in hooks.before:
            rv = await (hook(request) if wants_request else hook())
            if rv is not None:
                return rv
    return None


async def _after(chain: Sequence[Hooks], response: Response) -> Response:
    for hooks in chain:
        for hook in reversed(hooks.after):
            response = await hook(response)
            if not isinstance(response, Response):
                raise TypeError(
                    f"An after_request hook of {hooks.name!r} returned {type(response).__name__}, not the response; "
                    "return the response it was given (or a new Response)."
                )
    return response


async def _teardown(chain: Sequence[Hooks], error: BaseException | None) -> None:
    for hooks in chain:
        for hook in reversed(hooks.teardown):
            await hook(error)


async def dispatch(
    chain: Sequence[Hooks], spec: ViewSpec, request: Request, view: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Serve one request to a Flask-style view with its hooks (see the module docstring for the order)."""
    token = _current.set((request, spec))
    error: BaseException | None = None
    try:
        try:
            rv = await _before(chain, request)
            response = make_response(rv, spec.endpoint) if rv is not None else await view(request)
        except Exception as exc:
            response, error = await _handle_exception(chain, request, exc, spec.endpoint)
        return await _after(chain, response)
    except BaseException as exc:
        error = exc
        raise
    finally:
        await _teardown(chain, error)
        _current.reset(token)


_ROUTING_ERROR = ViewSpec("", "", ())


async def serve_routing_error(scope: Scope, receive: Receive, send: Send, error: HTTPException) -> None:
    """Answer a 404/405 with the app's Flask hooks around it, as Flask does (no blueprint's: no view matched).

    Without a Flask-style app (no ``flask_hooks``), or for a WebSocket, the error is raised for Zephyr to answer.

    Raises:
        HTTPException: ``error``, when there are no Flask hooks to run or no handler answers it.
    """
    app_hooks: Hooks | None = getattr(scope.get("app"), "flask_hooks", None)
    if app_hooks is None or scope["type"] != "http":
        raise error

    async def fail(request: Request) -> Response:
        raise error

    request = Request(scope, receive, send)
    response = await dispatch((app_hooks,), _ROUTING_ERROR, request, fail)
    await response(scope, receive, send)


class FlaskRoute(APIRoute):
    """The route class of Flask-style views: runs the blueprint and app hooks around the view.

    A rule with several methods becomes one route per method (so each has its own OpenAPI operation id); a 405
    still lists every method of the rule in ``Allow``.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or answer 405 with every method of the rule."""
        if self.accepts(scope) is not FULL:
            spec: ViewSpec | None = getattr(self.endpoint, _SPEC, None)
            methods = spec.methods if spec is not None and spec.methods else tuple(self.methods)
            error = HTTPException(status_code=405, headers={"Allow": ", ".join(methods)})
            await serve_routing_error(scope, receive, send, error)
            return
        await self.app(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """The route handler: the compiled view wrapped in ``dispatch``."""
        inner = super().get_route_handler()
        spec: ViewSpec | None = getattr(self.endpoint, _SPEC, None)
        if spec is None:
            spec = ViewSpec(str(self.name), "", ())
        own = spec.chain

        async def handler(request: Request) -> Response:
            app_hooks: Hooks | None = getattr(request.scope.get("app"), "flask_hooks", None)
            chain = (*own, app_hooks) if app_hooks is not None else own
            return await dispatch(chain, spec, request, inner)

        return handler

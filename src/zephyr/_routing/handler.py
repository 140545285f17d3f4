"""FastAPI's ``get_request_handler``: the ``request -> response`` function of a route, built from its dependant.

Zephyr's routes run a compiled ``HTTPRunner`` directly. Libraries written for FastAPI replace
``fastapi.routing.get_request_handler`` to wrap every route's handler (Sentry does); a route therefore builds its
ASGI app through ``zephyr.routing.get_request_handler`` whenever that name no longer holds the original function, and
through the runner directly otherwise: wrapping costs the wrapped apps what the wrapper costs, and nothing otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from pydantic import TypeAdapter

from zephyr._compile import typing_utils as tu
from zephyr._compile.dependant import Dependant, build_dependant, with_overrides
from zephyr._compile.execute import HTTPRunner
from zephyr._compile.plan import Plan, build_plan
from zephyr._compile.serialize import ResponseModel
from zephyr._routing.overrides import OverridesDict
from zephyr.background import BackgroundTasks
from zephyr.concurrency import run_in_threadpool
from zephyr.datastructures import Default, DefaultPlaceholder
from zephyr.param_functions import Depends
from zephyr.requests import Request
from zephyr.responses import JSONResponse, Response

__all__ = (
    "REQUEST_HANDLER",
    "RequestHandlerHook",
    "get_request_handler",
    "get_websocket_app",
    "make_runner",
    "run_endpoint_function",
    "serialize_response",
)


def make_runner(
    plan: Plan,
    *,
    refresh: Callable[[], Plan] | None = None,
    watch: Any = None,
    call: Any,
    status_code: int | None,
    response_class: type[Response] | DefaultPlaceholder,
    response_field: TypeAdapter[Any] | None,
    response_model_include: Any = None,
    response_model_exclude: Any = None,
    response_model_by_alias: bool = True,
    response_model_exclude_unset: bool = False,
    response_model_exclude_defaults: bool = False,
    response_model_exclude_none: bool = False,
    strict_content_type: bool | DefaultPlaceholder = True,
    form_limits: Mapping[str, int] | None = None,
) -> HTTPRunner:
    """The per-request runner of a route whose endpoint is ``call``, with its response settings decided once."""
    actual_class = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
    stream = None
    if tu.is_gen_callable(call) or tu.is_async_gen_callable(call):
        from zephyr.sse import EventSourceResponse

        if tu.lenient_issubclass(actual_class, EventSourceResponse):
            stream = "sse"
        elif isinstance(response_class, DefaultPlaceholder):
            stream = "jsonl"
        else:
            stream = "raw"
    model = None
    if response_field is not None:
        model = ResponseModel(
            response_field,
            include=response_model_include,
            exclude=response_model_exclude,
            by_alias=response_model_by_alias,
            exclude_unset=response_model_exclude_unset,
            exclude_defaults=response_model_exclude_defaults,
            exclude_none=response_model_exclude_none,
        )
    strict = strict_content_type.value if isinstance(strict_content_type, DefaultPlaceholder) else strict_content_type
    return HTTPRunner(
        plan,
        refresh=refresh,
        watch=watch,
        status_code=status_code,
        response_class=actual_class,
        response_class_is_default=isinstance(response_class, DefaultPlaceholder),
        response_model=model,
        strict_content_type=bool(strict),
        stream=stream,
        form_limits=form_limits,
    )


class _Unversioned:
    """Overrides that count no changes (a plain dict, or none): every request asks for the current plan."""

    __slots__ = ()

    @property
    def version(self) -> object:
        return object()


class _DependantPlan:
    """Compile ``dependant`` once, and again whenever the provider's ``dependency_overrides`` change."""

    __slots__ = ("dependant", "plan", "provider", "version")

    def __init__(self, dependant: Dependant, provider: Any) -> None:
        self.dependant = dependant
        self.provider = provider
        self.plan: Plan | None = None
        self.version: Any = None

    def __call__(self) -> Plan:
        overrides = getattr(self.provider, "dependency_overrides", None) if self.provider is not None else None
        version = getattr(overrides, "version", None) if overrides else None
        if overrides and version is None:
            version = tuple(overrides.items())
        if self.plan is None or version != self.version:
            name = re.sub(r"\W", "_", getattr(self.dependant.call, "__name__", "endpoint"))
            # Built on first use, from the dependant as it is then: a caller may have replaced ``dependant.call``
            # with a wrapper of the same signature (Sentry wraps sync endpoints so); the wrapper is what runs.
            self.plan = build_plan(with_overrides(self.dependant, overrides or None), name)
            self.version = version
        return self.plan


def get_request_handler(
    dependant: Dependant,
    body_field: Any = None,
    status_code: int | None = None,
    response_class: type[Response] | DefaultPlaceholder = Default(JSONResponse),
    response_field: TypeAdapter[Any] | None = None,
    response_model_include: Any = None,
    response_model_exclude: Any = None,
    response_model_by_alias: bool = True,
    response_model_exclude_unset: bool = False,
    response_model_exclude_defaults: bool = False,
    response_model_exclude_none: bool = False,
    dependency_overrides_provider: Any = None,
    embed_body_fields: bool = False,
    strict_content_type: bool | DefaultPlaceholder = Default(True),
    stream_item_field: Any = None,
    is_json_stream: bool = False,
    form_limits: Any = None,
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """Build the ``request -> response`` function that runs ``dependant`` (FastAPI's signature and meaning).

    ``body_field``, ``embed_body_fields``, ``stream_item_field``, ``is_json_stream`` and ``form_limits`` are
    accepted for FastAPI's callers; Zephyr reads the same facts from the dependant itself.

    Raises:
        TypeError: ``dependant.call`` is ``None`` (a dependant without a function cannot answer requests).
    """
    if dependant.call is None:
        raise TypeError("get_request_handler() needs a dependant whose call is the endpoint function; got call=None.")
    endpoint = dependant
    if REQUEST_HANDLER.hooked:
        dependant = _through_hooks(dependant, dependency_overrides_provider)
        dependency_overrides_provider = None  # the hooks' solve_dependencies applies the overrides
    plans = _DependantPlan(dependant, dependency_overrides_provider)
    overrides = getattr(dependency_overrides_provider, "dependency_overrides", None)
    runner = make_runner(
        plans(),
        refresh=plans if dependency_overrides_provider is not None else None,
        watch=overrides if isinstance(overrides, OverridesDict) else _Unversioned(),
        call=endpoint.call,
        status_code=status_code,
        response_class=response_class,
        response_field=response_field,
        response_model_include=response_model_include,
        response_model_exclude=response_model_exclude,
        response_model_by_alias=response_model_by_alias,
        response_model_exclude_unset=response_model_exclude_unset,
        response_model_exclude_defaults=response_model_exclude_defaults,
        response_model_exclude_none=response_model_exclude_none,
        strict_content_type=strict_content_type,
    )

    async def app(request: Request) -> Response:
        return await runner.build(request, request.scope.get("zephyr.exit_stack"))

    return app


async def run_endpoint_function(*, dependant: Dependant, values: dict[str, Any], is_coroutine: bool) -> Any:
    """Call ``dependant.call`` with ``values``, in a worker thread unless it is a coroutine function (as FastAPI).

    Zephyr's routes call it only while a library has replaced it or ``solve_dependencies``.
    """
    call = dependant.call
    assert call is not None  # noqa: S101 - only routes' dependants come here
    if is_coroutine:
        return await call(**values)
    return await run_in_threadpool(call, **values)


async def serialize_response(
    *,
    field: TypeAdapter[Any] | None = None,
    response_content: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    is_coroutine: bool = True,
    endpoint_ctx: Any = None,
    dump_json: bool = False,
) -> Any:
    """``response_content`` validated by the route's response field and dumped (FastAPI's function of that name).

    JSON-ready data, or JSON bytes with ``dump_json``; without a field, ``jsonable_encoder(response_content)``.
    Zephyr's routes serialize through their compiled response model; this is for code that calls or wraps the
    function (ddtrace wraps it).

    Raises:
        ResponseValidationError: The content does not fit the field.
    """
    if field is None:
        from zephyr.encoders import jsonable_encoder

        return jsonable_encoder(response_content)
    model = ResponseModel(
        field,
        include=include,
        exclude=exclude,
        by_alias=by_alias,
        exclude_unset=exclude_unset,
        exclude_defaults=exclude_defaults,
        exclude_none=exclude_none,
    )
    return model.to_json(response_content) if dump_json else model.to_python(response_content)


def get_websocket_app(
    dependant: Dependant, dependency_overrides_provider: Any = None, embed_body_fields: bool = False
) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """Build the ``websocket -> None`` function that runs ``dependant`` for a WebSocket (FastAPI's function).

    It solves the dependencies with ``zephyr.routing.solve_dependencies`` as that name holds when a session starts
    (Logfire replaces it), then calls the endpoint. Zephyr's WebSocket routes run their compiled plan instead, and
    come here only while a library has replaced ``solve_dependencies`` or ``run_endpoint_function``.
    ``embed_body_fields`` is accepted for FastAPI's callers (a WebSocket has no body).

    Raises:
        TypeError: ``dependant.call`` is ``None``.
    """
    from contextlib import AsyncExitStack

    from zephyr.dependencies.utils import solve_dependencies
    from zephyr.exceptions import WebSocketRequestValidationError

    call = dependant.call
    if call is None:
        raise TypeError("get_websocket_app() needs a dependant whose call is the endpoint function; got call=None.")

    async def app(websocket: Any) -> None:
        traced = websocket.scope.get("zephyr.telemetry")
        data = traced.data if traced is not None else None
        if data is not None:  # native telemetry's request data (``get_telemetry_data``)
            data.websocket = websocket
        async with AsyncExitStack() as stack:
            solved = await (REQUEST_HANDLER.solve or solve_dependencies)(
                request=websocket,
                dependant=dependant,
                dependency_overrides_provider=dependency_overrides_provider,
                async_exit_stack=stack,
                embed_body_fields=embed_body_fields,
            )
            if data is not None:
                data.values, data.errors = solved.values, solved.errors
            if solved.errors:
                raise WebSocketRequestValidationError(solved.errors)
            await call(**solved.values)

    return app


def _through_hooks(dependant: Dependant, provider: Any) -> Dependant:
    """A dependant that runs ``dependant`` through ``zephyr.routing``'s hooks, looked up per request as FastAPI does.

    Its call solves ``dependant`` with ``solve_dependencies`` and calls the endpoint with ``run_endpoint_function``.
    Zephyr's runner still answers: it turns the endpoint's result into the response (response model, status code,
    the sub-response's headers, background tasks) as for any route.
    """
    from contextlib import AsyncExitStack

    from zephyr.dependencies.utils import solve_dependencies
    from zephyr.exceptions import RequestValidationError

    async def exit_stack() -> Any:
        async with AsyncExitStack() as stack:
            yield stack

    stack_dependency = Depends(exit_stack)

    async def endpoint(
        request: Request, response: Response, background_tasks: BackgroundTasks, stack: Any = stack_dependency
    ) -> Any:
        solved = await (REQUEST_HANDLER.solve or solve_dependencies)(
            request=request,
            dependant=dependant,
            background_tasks=background_tasks,
            response=response,
            dependency_overrides_provider=provider,
            async_exit_stack=stack,
            embed_body_fields=False,
        )
        if solved.errors:
            raise RequestValidationError(solved.errors)
        return await (REQUEST_HANDLER.run or run_endpoint_function)(
            dependant=dependant, values=solved.values, is_coroutine=dependant.is_coroutine
        )

    return build_dependant(endpoint, path=dependant.path, name=dependant.name)


class RequestHandlerHook:
    """Which ``get_request_handler`` routes build their handlers with, and which hooks they run through.

    ``zephyr.routing`` writes here when a library replaces its ``get_request_handler`` (Sentry does),
    ``solve_dependencies`` or ``run_endpoint_function`` (logfire does), so routes read it without importing the
    public module.
    """

    __slots__ = ("factory", "run", "solve")

    def __init__(self) -> None:
        self.factory: Callable[..., Any] = get_request_handler
        self.solve: Callable[..., Any] | None = None
        """A replaced ``solve_dependencies`` (logfire replaces it), or ``None`` for Zephyr's own."""
        self.run: Callable[..., Any] | None = None
        """A replaced ``run_endpoint_function``, or ``None`` for Zephyr's own."""

    @property
    def replaced(self) -> bool:
        """Whether something other than Zephyr's own function builds the handlers."""
        return self.factory is not get_request_handler

    @property
    def hooked(self) -> bool:
        """Whether a library replaced ``solve_dependencies`` or ``run_endpoint_function``."""
        return self.solve is not None or self.run is not None


REQUEST_HANDLER = RequestHandlerHook()
"""The one hook, set through ``zephyr.routing.get_request_handler = ...`` (or ``solve_dependencies``,
``run_endpoint_function``)."""

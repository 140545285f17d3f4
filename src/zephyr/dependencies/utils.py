"""The dependency helpers libraries written for FastAPI import from ``fastapi.dependencies.utils``.

fastapi-pagination adds a dependency to routes after registration (``get_parameterless_sub_dependant``,
``_get_flat_body_params``, ``_get_body_field``); fastapi-cache2 reads endpoint signatures
(``get_typed_signature``, ``get_typed_return_annotation``). They run at registration time, over Zephyr's own
``Dependant`` trees, with FastAPI's signatures. ``request_params_to_args`` and ``request_body_to_args`` validate
values a caller has already read from a request; Zephyr's routes never call them.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined

from zephyr import params
from zephyr._compile import typing_utils as tu
from zephyr._compile.dependant import BODY, Dependant, ParamField, build_dependant, sub_dependant, with_overrides
from zephyr._compile.form_input import file_bytes
from zephyr._compile.received import body_to_args, params_to_args
from zephyr._multipart import MULTIPART_INCORRECT_INSTALL, MULTIPART_NOT_INSTALLED, ensure_multipart_installed

if TYPE_CHECKING:
    from zephyr._compile.body import BodyState
    from zephyr._compile.plan import Plan
    from zephyr.openapi._fields import ModelField
    from zephyr.types import DependencyCacheKey

__all__ = (
    "SolvedDependency",
    "_get_body_field",
    "_get_flat_body_params",
    "_read_file_bytes",
    "_should_embed_body_fields",
    "ensure_multipart_is_installed",
    "get_dependant",
    "get_flat_dependant",
    "get_parameterless_sub_dependant",
    "get_typed_annotation",
    "get_typed_return_annotation",
    "get_typed_signature",
    "lenient_issubclass",
    "multipart_incorrect_install_error",
    "multipart_not_installed_error",
    "request_body_to_args",
    "request_params_to_args",
    "solve_dependencies",
)

lenient_issubclass = tu.lenient_issubclass

#: FastAPI's messages when a form route is registered without python-multipart, or with the unrelated ``multipart``.
multipart_not_installed_error = MULTIPART_NOT_INSTALLED
multipart_incorrect_install_error = MULTIPART_INCORRECT_INSTALL
#: Raises ``MultipartInstallError`` (a ``RuntimeError``) with one of those messages when forms cannot be parsed.
ensure_multipart_is_installed = ensure_multipart_installed


def get_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``call``'s signature with string and forward-reference annotations resolved."""
    return tu.typed_signature(call)


def get_typed_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    """``annotation`` resolved: a string is evaluated in ``globalns`` (``"None"`` gives ``None``); others are kept.

    Raises:
        FastAPIError: The string names something ``globalns`` does not define.
    """
    if not isinstance(annotation, str):
        return annotation
    resolved = tu.evaluate_annotation(annotation, globalns, "an annotation")
    return None if resolved is type(None) else resolved


#: An upload's content, its position left where it was (a ``bytes`` ``File()`` parameter and an ``UploadFile`` one may
#: read the same upload); the position is restored when reading fails too.
_read_file_bytes = file_bytes


def get_typed_return_annotation(call: Callable[..., Any]) -> Any:
    """``call``'s resolved return annotation, or ``None`` when it has none."""
    annotation = tu.typed_signature(call).return_annotation
    return None if annotation is inspect.Signature.empty else annotation


def get_dependant(
    *,
    path: str,
    call: Callable[..., Any],
    name: str | None = None,
    own_oauth_scopes: list[str] | None = None,
    parent_oauth_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: str | None = None,
    **_ignored: Any,
) -> Dependant:
    """Analyse ``call`` (and its sub-dependencies) for a route whose path is ``path``."""
    return build_dependant(
        call,
        path=path,
        name=name,
        parent_oauth_scopes=parent_oauth_scopes,
        own_oauth_scopes=own_oauth_scopes,
        use_cache=use_cache,
        scope=scope,
    )


def get_parameterless_sub_dependant(*, depends: params.Depends, path: str) -> Dependant:
    """The dependant of a ``Depends(...)`` given in ``dependencies=[...]`` (its value is not passed to the endpoint).

    Raises:
        TypeError: ``depends`` has no callable dependency.
    """
    if not callable(depends.dependency):
        raise TypeError(f"A parameter-less dependency must have a callable dependency; got {depends!r}.")
    return sub_dependant(depends, None, path=path, name=None, scopes=(), overrides=None)


def get_flat_dependant(dependant: Dependant, *, skip_repeats: bool = False, **_ignored: Any) -> Dependant:
    """One ``Dependant`` holding the parameters of ``dependant`` and of all its sub-dependencies."""
    seen: set[Any] = set()
    fields: list[ParamField] = []
    for node in dependant.walk():
        if skip_repeats and node is not dependant:
            if node.cache_key in seen:
                continue
            seen.add(node.cache_key)
        fields.extend(node.params)
    return Dependant(call=dependant.call, name=dependant.name, path=dependant.path, params=fields)


def _get_flat_body_params(dependant: Dependant) -> list[ParamField]:
    """The body fields read by ``dependant`` and its sub-dependencies, parents first."""
    return [field for field in dependant.all_params() if field.location == BODY]


def _should_embed_body_fields(fields: list[ParamField]) -> bool:
    """Whether the body is an object keyed by parameter name (FastAPI's rule, which Zephyr's body plan follows).

    It is for several body parameters, ``embed=True``, or a form field that is not a model.
    """
    from zephyr._compile.plan import _embed_body

    return _embed_body(fields)


def _get_body_field(
    *,
    body_params: list[ParamField] | None = None,
    flat_dependant: Dependant | None = None,
    name: str = "",
    embed_body_fields: bool | None = None,
) -> ModelField | None:
    """The field that stands for a route's body, as FastAPI's ``route.body_field``; ``None`` when there is no body.

    One top-level body parameter is its own field. An embedded body (several parameters, or ``embed=True``) is one
    field named ``body`` whose type is a model ``Body_<name>`` with a field per parameter, declared as ``Body``,
    ``Form`` or ``File`` as the parameters are, and optional when none of them is required. It is the field the
    OpenAPI document describes the body with; Zephyr validates the body from the parameters themselves.
    """
    from zephyr.openapi._fields import body_field_of

    if body_params is None:
        body_params = _get_flat_body_params(flat_dependant) if flat_dependant is not None else []
    return body_field_of(body_params, name, embed_body_fields)


def request_params_to_args(
    fields: Sequence[ParamField], received_params: Mapping[str, Any] | Any
) -> tuple[dict[str, Any], list[Any]]:
    """Validate path, query, header or cookie parameters from values already read from a request.

    Example:
        ```python
        dependant = get_dependant(path="/items", call=list_items)
        values, errors = request_params_to_args(dependant.query_params, request.query_params)
        ```

    Args:
        fields: The parameters of one location, e.g. ``dependant.query_params`` or ``dependant.header_params``.
        received_params: What the request holds there: ``Headers`` (matched case-insensitively; a header model's
            fields read with underscores as hyphens), ``QueryParams`` or another multi-dict (repeated names give
            sequence fields and a model's extra values a list), or a plain mapping, its values taken as they are.
            Starlette's structures work as Zephyr's do. It is read once, whatever the number of fields.

    Returns:
        ``(values, errors)``: the validated values by parameter name, and FastAPI's error dicts (``type``, ``loc``
        such as ``("query", "limit")``, ``msg``, ``input``...) for the parameters that failed. A parameter model
        receives, besides its fields, every other value received, which its ``extra`` setting ignores, keeps or
        refuses (``extra_forbidden`` at ``(location, name)``).
    """
    return params_to_args(fields, received_params)


async def request_body_to_args(
    body_fields: list[ParamField], received_body: Any, embed_body_fields: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate body parameters from a body already read and parsed.

    Example:
        ```python
        dependant = get_dependant(path="/items", call=create_item)
        values, errors = await request_body_to_args(dependant.body_params, await request.json(), False)
        ```

    Args:
        body_fields: The body parameters, e.g. ``dependant.body_params``.
        received_body: A form (``FormData``, Starlette's or Zephyr's), the parsed JSON body, raw ``bytes`` (a body
            that was no JSON) or ``None`` (no body).
        embed_body_fields: Whether the body is an object keyed by parameter name even for a single parameter
            (``_should_embed_body_fields`` decides it for a route).

    Returns:
        ``(values, errors)`` as :func:`request_params_to_args` returns them, errors located under ``"body"``. A
        single parameter that is the whole body is validated from all of it. Form models (and unions of them)
        read the whole form, their extra values included; uploads are passed on untouched, except to ``bytes``
        fields, which receive their content.
    """
    return await body_to_args(body_fields, received_body, embed_body_fields)


@dataclass
class SolvedDependency:
    """What ``solve_dependencies`` found: the endpoint's arguments, or the validation errors that prevent calling it."""

    values: dict[str, Any]
    errors: list[Any]
    background_tasks: Any
    response: Any
    dependency_cache: dict[Any, Any] = field(default_factory=dict)


async def solve_dependencies(
    *,
    request: Any,
    dependant: Dependant,
    body: Any = PydanticUndefined,
    background_tasks: Any = None,
    response: Any = None,
    dependency_overrides_provider: Any = None,
    dependency_cache: dict[DependencyCacheKey, Any] | None = None,
    async_exit_stack: AsyncExitStack,
    embed_body_fields: bool = False,
) -> SolvedDependency:
    """Read and validate everything ``dependant`` needs from ``request`` and run its dependencies, not its call.

    Returns FastAPI's ``SolvedDependency``: ``values`` are the keyword arguments ``dependant.call`` would receive;
    ``errors`` are the validation errors (then ``values`` is empty). Generator dependencies are closed when
    ``async_exit_stack`` closes.

    Args:
        request: The request (or WebSocket) path, query, header and cookie values are read from.
        dependant: What to solve, e.g. from ``get_dependant``.
        body: The body the body parameters are validated from: parsed JSON (any value, e.g. one JSON-RPC call's
            ``params``), a form, or ``None`` for no body. When not given, the request's own body is read.
        background_tasks: Handed to ``BackgroundTasks`` parameters (a new one when ``None``).
        response: Handed to ``Response`` parameters (a new sub-response when ``None``).
        dependency_overrides_provider: An object with ``dependency_overrides`` (the app), applied to the tree.
        dependency_cache: Results by ``Dependant.cache_key``: a dependency found in it (with ``use_cache``) is not
            called again, and each dependency called is added to it, as in FastAPI (callers share one dict across
            several solves to run shared dependencies once).
        async_exit_stack: Where generator dependencies are entered.
        embed_body_fields: FastAPI's flag; Zephyr decides embedding from the fields by the same rule.
    """
    from zephyr._compile.body import read_body
    from zephyr._compile.exact import slow_solve
    from zephyr._compile.solve import fast_values
    from zephyr.background import BackgroundTasks
    from zephyr.exceptions import RequestValidationError
    from zephyr.responses import Response

    websocket = request.scope.get("type") == "websocket"
    plan = _plan_for(dependant, getattr(dependency_overrides_provider, "dependency_overrides", None), websocket)
    if response is None:
        response = Response()
        del response.headers["content-length"]  # a sub-response carries only what dependencies set, as in FastAPI
        response.status_code = None  # FastAPI's "not set" marker
    if dependency_cache is None:
        dependency_cache = {}
    background_tasks = background_tasks if background_tasks is not None else BackgroundTasks()
    values: dict[str, Any] = dict(plan.constants) if plan.constants else {}
    values.update(request=request, connection=request, response=response, background_tasks=background_tasks)
    scope = request.scope
    if websocket:  # a WebSocket's dependencies take it as ``websocket``
        values["websocket"] = request
    try:
        if plan.body is None:
            state = None
        elif body is PydanticUndefined:
            state = await read_body(plan, request, scope, True)
        else:
            state = _given_body(plan.body.kind, body)
        validated = await fast_values(plan, scope, state)
        if validated is None:
            await slow_solve(plan, scope, state, values, async_exit_stack, async_exit_stack, cache=dependency_cache)
        values.update(validated or {})
        arguments_found: dict[str, Any] = await _call_cached(plan, values, async_exit_stack, dependency_cache)
    except RequestValidationError as exc:
        return SolvedDependency({}, list(exc.errors()), background_tasks, response, dependency_cache)
    return SolvedDependency(arguments_found, [], background_tasks, response, dependency_cache)


async def _arguments(**values: Any) -> dict[str, Any]:
    return values


_PLAN_SHAPE_FIELDS = tuple(f.name for f in dataclasses.fields(Dependant) if f.name != "solve_plan")


def _plan_shape(dependant: Dependant, overrides: Mapping[Any, Any] | None, websocket: bool) -> tuple[Any, ...]:
    """What a compiled plan depends on: the tree's nodes, their fields and members, the overrides, the connection."""
    nodes = []
    for node in dependant.walk():
        values = (getattr(node, name) for name in _PLAN_SHAPE_FIELDS)
        nodes.append(tuple(tuple(map(id, v)) if isinstance(v, list) else id(v) for v in values))
    return (tuple(nodes), tuple((id(k), id(v)) for k, v in (overrides or {}).items()), websocket)


def _plan_for(dependant: Dependant, overrides: dict[Any, Any] | None, websocket: bool) -> Plan:
    """The plan solving ``dependant`` (its call left out), compiled on the first solve and again when it changed.

    Callers solve the same hand-built dependant for request after request (fastapi-jsonrpc, for each call of a
    batch): its plan is kept on it, with the tree's shape it was compiled for. Fields shared with another plan may
    have been given other keys by it since; then it is compiled again too.
    """
    from zephyr._compile.plan import build_plan

    shape = _plan_shape(dependant, overrides, websocket)
    cached = dependant.solve_plan
    if cached is not None:
        cached_shape, plan, keys = cached
        if cached_shape == shape and all(f.key == key for f, key in zip(plan.fields, keys, strict=True)):
            return plan  # type: ignore[no-any-return]
    solved = with_overrides(dependant, overrides or None)
    root = dataclasses.replace(solved, call=_arguments, is_coroutine=True, is_gen=False, is_async_gen=False)
    plan = build_plan(root, "solve_dependencies", websocket=websocket)
    dependant.solve_plan = (shape, plan, tuple(f.key for f in plan.fields))
    return plan


def _given_body(kind: str, body: Any) -> BodyState:
    """The body handed to ``solve_dependencies``, as the body reader would have left it."""
    from zephyr._compile.body import BodyState

    state = BodyState()
    if body is None:
        return state  # no body: embedded fields are missing (or take their defaults)
    if kind == "form":
        state.form = body
    else:
        state.parsed = body  # validated as Python data, never re-parsed
        state.raw = b"-"  # something was received (an empty raw body means none was)
    return state


async def _call_cached(plan: Plan, values: dict[str, Any], stack: AsyncExitStack, cache: dict[Any, Any]) -> Any:
    """Call the plan's dependencies, then its root, reading and filling ``cache`` by ``Dependant.cache_key``."""
    from zephyr._compile.calls import call_step

    result: Any = None
    last = len(plan.steps) - 1
    for index, step in enumerate(plan.steps):
        kwargs = {name: values[key] for name, key in step.kwargs}
        if index == last:
            result = await call_step(step, kwargs, stack, stack)
        else:
            key = step.dependant.cache_key
            if step.dependant.use_cache and key in cache:
                result = cache[key]
            else:
                result = await call_step(step, kwargs, stack, stack)
                cache.setdefault(key, result)
        values[step.key] = result
    return result

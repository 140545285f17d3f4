"""Registration-time checks: refuse what FastAPI refuses when a route is added, and warn about what cannot work.

Every refusal keeps FastAPI's sentence first (code and tests written against FastAPI match it), then names the
parameter or route and the fix. Everything here runs once per route, when it is added; nothing per request.
"""

from __future__ import annotations

import enum
import re
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.errors import PydanticSchemaGenerationError

from zephyr._compile import typing_utils as tu
from zephyr._stacklevel import user_stacklevel
from zephyr.exceptions import FastAPIError, PydanticV1NotSupportedError, RouteDefinitionWarning

if TYPE_CHECKING:
    from zephyr._compile.dependant import Dependant, ParamField

__all__ = (
    "INVALID_FIELD",
    "check_path_parameters",
    "check_responses",
    "ensure_field_type",
    "ensure_pydantic_v2",
    "path_param_names",
    "warn_unreadable_query",
)

_PATH_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_][a-zA-Z0-9_]*)?}")


def path_param_names(path: str) -> set[str]:
    """The parameter names a path template declares (``{user_id}``, ``{rest:path}``...)."""
    return set(_PATH_PARAM.findall(path))


INVALID_FIELD = (
    "Invalid args for response field! Hint: check that {type_} is a valid Pydantic field type. If you are using a "
    "return type annotation that is not a valid Pydantic field (e.g. Union[Response, dict, None]) you can disable "
    "generating the response model from the type annotation with the path operation decorator parameter "
    "response_model=None. Read more: https://fastapi.tiangolo.com/tutorial/response-model/"
)
"""FastAPI's sentence for a type Pydantic cannot validate, wherever the type is used (parameter or response)."""


def _is_pydantic_v1_model(annotation: Any) -> bool:
    v1 = sys.modules.get("pydantic.v1")  # no v1 model can exist unless pydantic.v1 was imported
    return v1 is not None and tu.lenient_issubclass(annotation, v1.BaseModel)


def _mentions_pydantic_v1(annotation: Any) -> bool:
    """A ``pydantic.v1`` model, or a union or sequence of them (the places FastAPI looks)."""
    annotation = tu.strip_annotated(annotation)
    if _is_pydantic_v1_model(annotation):
        return True
    if tu.is_union(annotation):
        return any(_is_pydantic_v1_model(tu.strip_annotated(arg)) for arg in get_args(annotation))
    if tu.is_sequence(annotation):
        return any(_mentions_pydantic_v1(arg) for arg in get_args(annotation))
    return False


def ensure_pydantic_v2(annotation: Any, where: str) -> None:
    """Refuse a ``pydantic.v1`` model (FastAPI's ``PydanticV1NotSupportedError``), naming where it is used."""
    if "pydantic.v1" in sys.modules and _mentions_pydantic_v1(annotation):
        raise PydanticV1NotSupportedError(
            f"pydantic.v1 models are no longer supported by FastAPI. Please update the response model {annotation!r}. "
            f"It is used by {where}: import BaseModel from `pydantic`, not `pydantic.v1` (Zephyr, like FastAPI, "
            "validates with Pydantic v2 only)."
        )


_TRUSTED_MODULES = frozenset(
    {
        "builtins",
        "collections",
        "datetime",
        "decimal",
        "enum",
        "fractions",
        "ipaddress",
        "pathlib",
        "re",
        "types",
        "typing",
        "typing_extensions",
        "uuid",
        "annotated_types",
        "pydantic",
        "pydantic_core",
        "pydantic_extra_types",
        "zephyr",
        # Libraries that bring Starlette's or FastAPI's own types (UploadFile...) get them mapped, not validated.
        "starlette",
        "fastapi",
    }
)
"""Packages whose classes Pydantic validates (or that give their own schema): no validator is built to check them."""


def _unknown_class(cls: type) -> bool:
    if cls.__module__.partition(".")[0] in _TRUSTED_MODULES:  # the common case, and cheaper than issubclass
        return False
    return not issubclass(cls, (BaseModel, enum.Enum))


def _needs_schema_check(annotation: Any) -> bool:
    """Whether ``annotation`` mentions a class Pydantic may not know (only then is a validator built to find out).

    Building one costs up to a millisecond per parameter at start-up; the common types are known without it.
    """
    annotation = tu.strip_annotated(annotation)
    origin = get_origin(annotation)
    if origin is not None:
        if isinstance(origin, type) and _unknown_class(origin):
            return True
        return any(_needs_schema_check(arg) for arg in get_args(annotation))
    return tu.lenient_issubclass(annotation, object) and _unknown_class(annotation)


def ensure_field_type(annotation: Any, shown: Any, where: str) -> None:
    """Refuse a parameter type Pydantic cannot validate (a plain class), as FastAPI does when the route is added.

    Args:
        annotation: The type to validate (with its non-marker ``Annotated`` metadata).
        shown: The annotation as written, which FastAPI's message shows.
        where: The parameter and its function, for our part of the message.
    """
    ensure_pydantic_v2(annotation, where)
    if not _needs_schema_check(annotation):
        return
    try:
        TypeAdapter(annotation)
    except PydanticSchemaGenerationError as exc:
        raise FastAPIError(
            INVALID_FIELD.format(type_=shown) + f" Here it is the type of {where}, which Pydantic cannot validate. "
            "If it is a dependency, declare it with Depends(): `Annotated[Type, Depends()]`; if it is data, make it a "
            "Pydantic model or a dataclass, or give it a `__get_pydantic_core_schema__`."
        ) from exc


def check_responses(responses: Mapping[Any, Any], where: str) -> None:
    """Refuse ``responses=`` entries FastAPI refuses when the route is added."""
    for status, response in responses.items():
        if not isinstance(response, dict):
            raise FastAPIError(
                f"An additional response must be a dict; {where} has responses={{{status!r}: {response!r}}}: write "
                f'{{{status!r}: {{"description": "...", "model": SomeModel}}}}.'
            )
        model = response.get("model")
        if not model:
            continue
        if not _body_allowed(status):
            raise FastAPIError(
                f"Status code {status} must not have a response body. Remove `model` from responses[{status!r}] "
                f"of {where}."
            )
        ensure_pydantic_v2(model, f"responses[{status!r}] of {where}")
        try:
            TypeAdapter(model)
        except PydanticSchemaGenerationError as exc:
            raise FastAPIError(
                INVALID_FIELD.format(type_=model) + f" Here it is the model of responses[{status!r}] of {where}."
            ) from exc


def _body_allowed(status: Any) -> bool:
    """Whether a ``responses=`` key may document a body (OpenAPI's ranges and ``default`` always may)."""
    if status in ("default", "1XX", "2XX", "3XX", "4XX", "5XX"):
        return True
    code = int(status)
    return not (code < 200 or code in (204, 205, 304))


def _path_fields(dependants: Iterable[Dependant]) -> list[ParamField]:
    return [field for dependant in dependants for field in dependant.params if field.location == "path"]


def check_path_parameters(dependant: Dependant, path: str, where: str) -> None:
    """A ``Path()`` parameter must name a path segment; a path segment should be taken by some parameter.

    FastAPI accepts both silently: the first then answers 422 to every request, the second drops the value. The
    first raises here, the second warns (:class:`~zephyr.exceptions.RouteDefinitionWarning`) unless the request or
    connection itself is injected somewhere (then ``request.path_params`` may be read by hand).
    """
    names = path_param_names(path)
    fields = _path_fields(dependant.walk())
    for field in fields:
        if field.alias not in names and field.required:  # with a default it works: the default is always used
            raise FastAPIError(
                f"Path parameter {field.alias!r} ({_owner(dependant, field)}) names no segment of the path {path!r} "
                f"of {where}, so every request would be answered 422. Add '{{{field.alias}}}' to the path, or "
                "declare the parameter with Query() instead of Path()."
            )
    if any(
        node.request_param_name or node.websocket_param_name or node.http_connection_param_name
        for node in dependant.walk()
    ):
        return  # the connection is injected: its path_params may be read by hand
    taken = {field.alias for field in fields}
    for name in sorted(names - taken):
        warnings.warn(
            f"The path {path!r} of {where} declares '{{{name}}}', but neither the endpoint nor its dependencies take "
            f"a parameter {name!r}: its value is matched, then dropped. Add `{name}: str` (or another type) to the "
            f"endpoint's parameters, or remove '{{{name}}}' from the path.",
            RouteDefinitionWarning,
            stacklevel=user_stacklevel(),
        )


def _owner(root: Dependant, field: ParamField) -> str:
    for dependant in root.walk():
        if any(f is field for f in dependant.params):
            return f"a parameter of {getattr(dependant.call, '__qualname__', repr(dependant.call))}"
    return "a parameter"  # pragma: no cover - the field was found in this tree


def warn_unreadable_query(dependant: Dependant, where: str) -> None:
    """Warn about query parameters whose type only accepts instances: no query string can give one."""
    for node in dependant.walk():
        for field in node.params:
            if field.location != "query" or field.model is not None:
                continue
            bare = tu.strip_annotated(field.annotation)
            if not tu.lenient_issubclass(bare, object) or not _unknown_class(bare):
                continue
            try:
                schema_type = TypeAdapter(field.annotation).core_schema.get("type")
            except Exception:  # noqa: S112 - whatever fails here was refused or reported elsewhere
                continue
            if schema_type == "is-instance":
                warnings.warn(
                    f"The query parameter {field.alias!r} of {where} has the type {bare.__qualname__}, which only "
                    "accepts instances: no query string can give one, so every request is answered 422. If it is a "
                    f"dependency, write `{field.name}: Annotated[{bare.__qualname__}, Depends()]`; if its fields are "
                    f"query parameters, make it a Pydantic model and write `Annotated[{bare.__qualname__}, Query()]`.",
                    RouteDefinitionWarning,
                    stacklevel=user_stacklevel(),
                )

"""Parameter markers: where a parameter comes from (path, query, header, cookie, body, form, file, dependency).

``Query(...)``, ``Path(...)`` and friends in :mod:`zephyr.param_functions` return instances of these classes. Each is
a Pydantic ``FieldInfo``, so constraints such as ``ge`` or ``max_length`` are validated by Pydantic, and each records
its location in ``in_``.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, TypedDict

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from typing_extensions import Unpack

from zephyr.exceptions import FastAPIDeprecationWarning, FastAPIError

__all__ = (
    "Body",
    "Cookie",
    "Depends",
    "FieldKwargs",
    "File",
    "Form",
    "Header",
    "Param",
    "ParamTypes",
    "Path",
    "Query",
    "Security",
)


class ParamTypes(Enum):
    """Where a non-body parameter is read from."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class FieldKwargs(TypedDict, total=False):
    """Keyword arguments shared by every parameter marker (Pydantic's field options plus OpenAPI extras)."""

    default_factory: Callable[[], Any] | None
    annotation: Any
    alias: str | None
    alias_priority: int | None
    validation_alias: Any
    serialization_alias: str | None
    title: str | None
    description: str | None
    gt: float | None
    ge: float | None
    lt: float | None
    le: float | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    regex: str | None
    discriminator: Any
    strict: bool | None
    multiple_of: float | None
    allow_inf_nan: bool | None
    max_digits: int | None
    decimal_places: int | None
    examples: list[Any] | None
    example: Any
    openapi_examples: dict[str, Any] | None
    deprecated: Any
    include_in_schema: bool
    json_schema_extra: dict[str, Any] | Callable[[dict[str, Any]], None] | None
    validate_default: bool | None
    union_mode: Literal["smart", "left_to_right"] | None
    fail_fast: bool | None


_OURS = ("openapi_examples", "include_in_schema", "example", "regex", "annotation")
_CLEARABLE = ("alias", "title", "description", "examples", "deprecated", "json_schema_extra")


def _cleared(kwargs: FieldKwargs) -> tuple[str, ...]:
    """The settings given as an explicit ``None`` (or ``deprecated=False``).

    They clear what a ``Field()`` beside the marker in ``Annotated`` sets: ``Annotated[int, Field(alias="n"),
    Query(alias=None)]`` reads the parameter's name, as in FastAPI.
    """
    cleared = [key for key in _CLEARABLE if key in kwargs and kwargs[key] is None]  # type: ignore[literal-required]
    if kwargs.get("deprecated") is False:  # documented as not deprecated, whatever the Field() says
        cleared.append("deprecated")
    return tuple(cleared)


def _field_kwargs(default: Any, kwargs: FieldKwargs) -> dict[str, Any]:
    """Translate marker arguments into ``FieldInfo`` arguments, warning about deprecated spellings."""
    options: dict[str, Any] = {k: v for k, v in kwargs.items() if k not in _OURS and v is not None}
    if default is not PydanticUndefined and default is not ...:
        options["default"] = default
    if kwargs.get("regex") is not None:
        warnings.warn(
            "`regex` has been deprecated, please use `pattern` instead",
            FastAPIDeprecationWarning,
            stacklevel=4,
        )
        options.setdefault("pattern", kwargs["regex"])
    if kwargs.get("example", PydanticUndefined) is not PydanticUndefined:
        # Kept on the marker (``.example``) and documented at the parameter or media type level, not in the schema.
        warnings.warn(
            "`example` has been deprecated, please use `examples` instead",
            FastAPIDeprecationWarning,
            stacklevel=4,
        )
    alias = options.get("alias")
    if isinstance(alias, str):  # as pydantic.Field() does: the alias names the value both ways
        options.setdefault("validation_alias", alias)
        options.setdefault("serialization_alias", alias)
    if "deprecated" in options and options["deprecated"] is False:
        del options["deprecated"]
    return options


class Param(FieldInfo):  # type: ignore[misc]  # FieldInfo is final in typing; subclassing is FastAPI's documented API
    """Base class of the path, query, header and cookie markers."""

    # ``embed`` is unset unless code sets it: FastAPI's markers take any attribute, and libraries that move query
    # parameters into the body (fastapi-jsonrpc) mark them ``embed = True`` as they would a ``Body``.
    __slots__ = ("cleared", "embed", "example", "include_in_schema", "openapi_examples")
    in_: ParamTypes = ParamTypes.query

    def __init__(self, default: Any = PydanticUndefined, **kwargs: Unpack[FieldKwargs]) -> None:
        self.cleared = _cleared(kwargs)
        self.include_in_schema = kwargs.get("include_in_schema", True)
        self.openapi_examples = kwargs.get("openapi_examples")
        self.example = kwargs.get("example", PydanticUndefined)
        super().__init__(**_field_kwargs(default, kwargs))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.default})"  # FastAPI's spelling: Header(x), Query(PydanticUndefined)


class Path(Param):  # type: ignore[misc]  # see Param
    """A path parameter: always required."""

    __slots__ = ()
    in_ = ParamTypes.path

    def __init__(self, default: Any = ..., **kwargs: Unpack[FieldKwargs]) -> None:
        if default is not ... and default is not PydanticUndefined:
            raise FastAPIError(f"Path parameters cannot have a default value; got {default!r}. Remove the default.")
        super().__init__(PydanticUndefined, **kwargs)


class Query(Param):  # type: ignore[misc]  # see Param
    """A query-string parameter."""

    __slots__ = ()
    in_ = ParamTypes.query


class Header(Param):  # type: ignore[misc]  # see Param
    """A header; underscores in the name become hyphens unless ``convert_underscores=False``."""

    __slots__ = ("convert_underscores",)
    in_ = ParamTypes.header

    def __init__(
        self, default: Any = PydanticUndefined, *, convert_underscores: bool = True, **kwargs: Unpack[FieldKwargs]
    ) -> None:
        self.convert_underscores = convert_underscores
        super().__init__(default, **kwargs)


class Cookie(Param):  # type: ignore[misc]  # see Param
    """A cookie."""

    __slots__ = ()
    in_ = ParamTypes.cookie


class Body(FieldInfo):  # type: ignore[misc]  # see Param
    """A field of the request body (JSON by default)."""

    __slots__ = ("cleared", "embed", "example", "include_in_schema", "media_type", "openapi_examples")
    default_media_type = "application/json"

    def __init__(
        self,
        default: Any = PydanticUndefined,
        *,
        embed: bool | None = None,
        media_type: str | None = None,
        **kwargs: Unpack[FieldKwargs],
    ) -> None:
        self.embed = embed
        self.cleared = _cleared(kwargs)
        self.media_type = media_type or self.default_media_type
        self.include_in_schema = kwargs.get("include_in_schema", True)
        self.openapi_examples = kwargs.get("openapi_examples")
        self.example = kwargs.get("example", PydanticUndefined)
        super().__init__(**_field_kwargs(default, kwargs))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.default})"  # FastAPI's spelling: Header(x), Query(PydanticUndefined)


class Form(Body):  # type: ignore[misc]  # see Param
    """A form field, from ``application/x-www-form-urlencoded`` or ``multipart/form-data``."""

    __slots__ = ()
    default_media_type = "application/x-www-form-urlencoded"


class File(Form):  # type: ignore[misc]  # see Param
    """A file in a ``multipart/form-data`` body."""

    __slots__ = ()
    default_media_type = "multipart/form-data"


class _DependencyConcurrency:
    """The call limit of one ``Depends(..., max_concurrency=n)`` declaration: one semaphore per event loop.

    The semaphores live in one per-loop map with weak keys (see :func:`_semaphores`): a declaration that is dropped
    drops its semaphore with it, however long the loop runs.
    """

    __slots__ = ("__weakref__", "max_concurrency")

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency

    def semaphore(self) -> Any:
        """This declaration's ``anyio.Semaphore`` in the running event loop (each loop has its own limit)."""
        semaphores = _semaphores()
        found = semaphores.get(self)
        if found is None:
            import anyio

            found = semaphores[self] = anyio.Semaphore(self.max_concurrency)
        return found

    get_semaphore = semaphore  # FastAPI's name, for tests that inspect a declaration's limit


_SEMAPHORES: Any = None  # anyio.lowlevel.RunVar, created on first use (anyio is not imported at start-up)


def _semaphores() -> weakref.WeakKeyDictionary[_DependencyConcurrency, Any]:
    """The running loop's ``declaration limit -> semaphore`` map."""
    global _SEMAPHORES  # one lazily created RunVar for the module
    if _SEMAPHORES is None:
        from anyio.lowlevel import RunVar

        _SEMAPHORES = RunVar("zephyr_dependency_semaphores")
    found: weakref.WeakKeyDictionary[_DependencyConcurrency, Any] | None = _SEMAPHORES.get(None)
    if found is None:
        found = weakref.WeakKeyDictionary()
        _SEMAPHORES.set(found)
    return found


@dataclass(frozen=True)
class Depends:
    """Declares a dependency: call ``dependency`` (with its own parameters injected) and pass the result.

    Attributes are as FastAPI's: ``use_cache`` reuses one result per request; ``scope`` decides when the exit code of
    a ``yield`` dependency runs (``"request"``: after the response is sent; ``"function"``: right after the endpoint);
    ``max_concurrency`` caps how many calls of this declaration run at once (a ``yield`` dependency counts until its
    exit code has run).
    """

    dependency: Callable[..., Any] | None = None
    use_cache: bool = True
    scope: Literal["function", "request"] | None = None
    max_concurrency: int | None = field(default=None, kw_only=True)
    # Each declaration with a limit has its own counter, so two equal-looking declarations are not equal (Annotated
    # would otherwise merge them).
    _concurrency: _DependencyConcurrency | None = field(default=None, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        limit = self.max_concurrency
        if limit is None:
            object.__setattr__(self, "_concurrency", None)
            return
        if type(limit) is not int or limit < 1:
            raise ValueError(
                f"max_concurrency must be a positive integer or None; got {limit!r}. Pass max_concurrency=1 or more, "
                "or leave it out for no limit."
            )
        if self._concurrency is None or self._concurrency.max_concurrency != limit:
            object.__setattr__(self, "_concurrency", _DependencyConcurrency(limit))


@dataclass(frozen=True)
class Security(Depends):
    """A dependency that also carries OAuth2 scopes, accumulated into ``SecurityScopes``."""

    scopes: Sequence[str] | None = field(default=None)

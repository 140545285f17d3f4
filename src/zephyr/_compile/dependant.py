"""Analyse an endpoint or dependency signature into a ``Dependant`` tree, once, at registration.

Each parameter is classified exactly as FastAPI classifies it: special objects (``Request``, ``Response``,
``BackgroundTasks``, ``SecurityScopes``...), sub-dependencies (``Depends``), path/query/header/cookie parameters and
body/form/file fields.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, SupportsIndex, get_args, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from typing_extensions import Self

from zephyr import params
from zephyr._compile import checks
from zephyr._compile import typing_utils as tu
from zephyr._compile.adapters import field_adapter
from zephyr._compile.forms import form_union_models, with_form_normalizers
from zephyr.exceptions import FastAPIError

__all__ = (
    "BODY",
    "Dependant",
    "ParamField",
    "build_dependant",
    "security_scheme",
    "set_default",
    "sub_dependant",
    "with_overrides",
    "with_route_dependencies",
)

BODY = "body"


@dataclass(eq=False)
class ParamField:
    """One request value a dependant reads: where from, under which name, validated as what."""

    name: str
    alias: str
    location: str  # "path" | "query" | "header" | "cookie" | "body"
    annotation: Any  # the type to validate, with any Annotated metadata that is not ours
    field_info: FieldInfo
    is_sequence: bool = False
    model: Any = None  # a BaseModel class when the field is a group of parameters
    form_union: bool = False  # a form body declared as a union of models: the whole form is its input
    key: str = ""  # unique key in the compiled plan
    choices: tuple[str, ...] = ()  # validation_alias=AliasChoices("a", "b") of a single parameter: names tried in order

    @property
    def required(self) -> bool:
        return bool(self.field_info.is_required())

    @functools.cached_property
    def type_adapter(self) -> TypeAdapter[Any]:
        """This field's own validator (type and constraints; no default, no alias), built on first use."""
        return field_adapter(self.annotation, self.field_info)

    def validate(
        self, value: Any, values: dict[str, Any] | None = None, *, loc: tuple[int | str, ...] = ()
    ) -> tuple[Any, list[dict[str, Any]]]:
        """Validate ``value`` (already read under this field's name) as FastAPI's ``ModelField.validate`` does.

        Zephyr's routes validate through their compiled plan; this serves code that validates one field by hand.

        Args:
            value: The value received.
            values: Accepted for FastAPI's signature; unused.
            loc: Put before each error's ``loc``, e.g. ``("query", "limit")``.

        Returns:
            ``(validated value, [])``, or ``(None, errors)`` with Pydantic's error dicts (no ``url``).
        """
        try:
            return self.type_adapter.validate_python(value, from_attributes=True), []
        except ValidationError as exc:
            return None, [{**error, "loc": (*loc, *error["loc"])} for error in exc.errors(include_url=False)]

    @property
    def is_form(self) -> bool:
        return isinstance(self.field_info, params.Form)

    @property
    def is_file(self) -> bool:
        return isinstance(self.field_info, params.File)


@dataclass(eq=False, slots=True)
class Dependant:
    """An endpoint or dependency, with what it reads and what it depends on.

    The names FastAPI gives its ``Dependant`` fields are kept (libraries build and inspect dependants through
    ``fastapi.dependencies.models``); Zephyr adds the classification it works out once at registration.
    """

    call: Callable[..., Any] | None = None
    name: str | None = None
    path: str = ""
    params: list[ParamField] = field(default_factory=list)
    dependencies: list[Dependant] = field(default_factory=list)
    request_param_name: str | None = None
    websocket_param_name: str | None = None
    http_connection_param_name: str | None = None
    response_param_name: str | None = None
    background_tasks_param_name: str | None = None
    security_scopes_param_name: str | None = None
    own_oauth_scopes: list[str] | None = None
    """The scopes its own ``Security(..., scopes=[...])`` declares."""
    parent_oauth_scopes: list[str] | None = None
    """The scopes declared above it in the tree (repeats kept, as FastAPI passes them down)."""
    is_security: bool = False
    use_cache: bool = True
    scope: str | None = None
    is_coroutine: bool = False
    is_gen: bool = False
    is_async_gen: bool = False
    concurrency: Any = None  # the call limit of Depends(max_concurrency=...), see zephyr._compile.limits
    solve_plan: Any = field(default=None, init=False, repr=False, compare=False)
    """The plan ``solve_dependencies`` compiled for this dependant, with the shape it was compiled for."""

    @property
    def oauth_scopes(self) -> list[str]:
        """The scopes ``SecurityScopes`` receives: the parents', then its own not already among them."""
        scopes = list(self.parent_oauth_scopes or ())
        for scope in self.own_oauth_scopes or ():
            if scope not in scopes:
                scopes.append(scope)
        return scopes

    @property
    def cache_key(self) -> tuple[Any, tuple[str, ...], str]:
        """What makes two uses of a dependency share one result per request (as FastAPI keys its cache)."""
        scopes = tuple(sorted(set(self.oauth_scopes))) if self.uses_scopes else ()
        return (self.call, scopes, self.computed_scope or "")

    @property
    def computed_scope(self) -> str | None:
        """The scope as FastAPI computes it: the declared one, else ``"request"`` for a ``yield`` dependency."""
        if self.scope:
            return self.scope
        return "request" if self.is_gen or self.is_async_gen else None

    @property
    def uses_scopes(self) -> bool:
        """Whether it or a dependency below it declares scopes, reads ``SecurityScopes`` or is a security scheme."""
        if self.own_oauth_scopes or self.security_scopes_param_name is not None or _is_security_scheme(self.call):
            return True
        return any(dep.uses_scopes for dep in self.dependencies)

    # FastAPI's per-location lists, as live views of ``params``: code that builds dependants by hand reads them, and
    # may assign or mutate them (``d.body_params.extend(d.query_params); d.query_params = []``). A field put in
    # another location's list is read from there, as in FastAPI, where the list it sits in decides.
    @property
    def path_params(self) -> list[ParamField]:
        return _LocationList(self, "path")

    @path_params.setter
    def path_params(self, fields: list[ParamField]) -> None:
        _relocate(self, "path", fields)

    @property
    def query_params(self) -> list[ParamField]:
        return _LocationList(self, "query")

    @query_params.setter
    def query_params(self, fields: list[ParamField]) -> None:
        _relocate(self, "query", fields)

    @property
    def header_params(self) -> list[ParamField]:
        return _LocationList(self, "header")

    @header_params.setter
    def header_params(self, fields: list[ParamField]) -> None:
        _relocate(self, "header", fields)

    @property
    def cookie_params(self) -> list[ParamField]:
        return _LocationList(self, "cookie")

    @cookie_params.setter
    def cookie_params(self, fields: list[ParamField]) -> None:
        _relocate(self, "cookie", fields)

    @property
    def body_params(self) -> list[ParamField]:
        return _LocationList(self, BODY)

    @body_params.setter
    def body_params(self, fields: list[ParamField]) -> None:
        _relocate(self, BODY, fields)

    def walk(self) -> list[Dependant]:
        """This dependant and all below it, depth first, parents first."""
        found = [self]
        for dep in self.dependencies:
            found.extend(dep.walk())
        return found

    def flat_body_params(self) -> list[ParamField]:
        """The body fields of the whole tree, each dependency once (by ``cache_key``), parents first."""
        seen: set[Any] = set()
        found: list[ParamField] = []
        pending = [self]
        while pending:
            node = pending.pop()
            key = node.cache_key
            if key in seen:
                continue
            seen.add(key)
            found.extend(p for p in node.params if p.location == BODY)
            pending.extend(reversed(node.dependencies))
        return found

    def all_params(self) -> list[ParamField]:
        return [p for dep in self.walk() for p in dep.params]


def _relocate(dependant: Dependant, location: str, fields: list[ParamField]) -> None:
    """Make ``fields`` the dependant's ``location`` parameters, in their place among the others in ``params``.

    A field that comes from another location is copied with this one (its ``field_info`` shared): the original
    stays what it is wherever else it is used, as a FastAPI field does in another dependant's list.
    """
    moved = [field if field.location == location else dataclasses.replace(field, location=location) for field in fields]
    others = dependant.params
    first = next((i for i, p in enumerate(others) if p.location == location), None)
    kept = [p for p in others if p.location != location]
    at = len(kept) if first is None else sum(1 for p in others[:first] if p.location != location)
    dependant.params = [*kept[:at], *moved, *kept[at:]]


class _LocationList(list[ParamField]):
    """One location's parameters of a dependant; changing the list changes the dependant (see ``_relocate``)."""

    __slots__ = ("_dependant", "_location")

    def __init__(self, dependant: Dependant, location: str) -> None:
        super().__init__(p for p in dependant.params if p.location == location)
        self._dependant = dependant
        self._location = location

    def _sync(self) -> None:
        _relocate(self._dependant, self._location, list(self))

    def append(self, field: ParamField, /) -> None:
        super().append(field)
        self._sync()

    def extend(self, fields: Iterable[ParamField], /) -> None:
        super().extend(fields)
        self._sync()

    def insert(self, index: SupportsIndex, field: ParamField, /) -> None:
        super().insert(index, field)
        self._sync()

    def remove(self, field: ParamField, /) -> None:
        super().remove(field)
        self._sync()

    def pop(self, index: SupportsIndex = -1, /) -> ParamField:
        field = super().pop(index)
        self._sync()
        return field

    def clear(self) -> None:
        super().clear()
        self._sync()

    def __iadd__(self, fields: Iterable[ParamField], /) -> Self:  # type: ignore[override,misc]
        super().__iadd__(fields)
        self._sync()
        return self

    def __setitem__(self, index: Any, value: Any, /) -> None:
        super().__setitem__(index, value)
        self._sync()

    def __delitem__(self, index: SupportsIndex | slice, /) -> None:
        super().__delitem__(index)
        self._sync()


def security_scheme(call: Any) -> Any:
    """The security scheme ``call`` is (seen through ``functools.partial`` and ``functools.wraps``), else ``None``."""
    # Importing zephyr.security costs the OpenAPI models; if nothing imported it, no scheme can exist.
    base = sys.modules.get("zephyr.security.base")
    if base is None or call is None:
        return None
    scheme = tu.unwrapped_call(call)
    return scheme if isinstance(scheme, base.SecurityBase) else None


def _is_security_scheme(call: Any) -> bool:
    return security_scheme(call) is not None


def _special_kind(annotation: Any) -> str | None:
    if type(annotation) is type and annotation in tu.PLAIN_SCALARS:
        return None
    from zephyr.background import BackgroundTasks
    from zephyr.requests import HTTPConnection, Request
    from zephyr.responses import Response
    from zephyr.websockets import WebSocket

    checks: tuple[tuple[type[Any], str], ...] = (
        (Request, "request_param_name"),
        (WebSocket, "websocket_param_name"),
        (HTTPConnection, "http_connection_param_name"),
        (Response, "response_param_name"),
        (BackgroundTasks, "background_tasks_param_name"),
    )
    for cls, kind in checks:
        if tu.lenient_issubclass(annotation, cls):
            return kind
    oauth2 = sys.modules.get("zephyr.security.oauth2")  # SecurityScopes can only be used once it was imported
    if oauth2 is not None and tu.lenient_issubclass(annotation, oauth2.SecurityScopes):
        return "security_scopes_param_name"
    if "starlette" in sys.modules:  # a library brought Starlette: its Request, Response... are injected too
        from zephyr._interop.starlette import starlette_special_kind

        return starlette_special_kind(annotation)
    return None


def set_default(info: FieldInfo, value: Any) -> None:
    """Set a copied marker's default so that Pydantic's field merging sees it as set explicitly."""
    info.default = value
    attributes_set = dict(getattr(info, "_attributes_set", {}))
    if value is PydanticUndefined:
        attributes_set.pop("default", None)
    else:
        attributes_set["default"] = value
    info._attributes_set = attributes_set


def _where(call: Any, name: str) -> str:
    return f"parameter {name!r} of {getattr(call, '__qualname__', repr(call))}"


def _split_annotation(call: Any, name: str, annotation: Any) -> tuple[Any, Any, FieldInfo | params.Depends | None]:
    """Return (full annotation, bare type, our marker from Annotated)."""
    if annotation is inspect.Signature.empty:
        return Any, Any, None
    annotation = tu.unalias(annotation)
    if get_origin(annotation) is not Annotated:
        return annotation, annotation, None
    args = get_args(annotation)
    ours = [arg for arg in args[1:] if isinstance(arg, (params.Param, params.Body, params.Depends))]
    marker = ours[-1] if ours else None
    if marker is not None:
        others = [arg for arg in args[1:] if arg is not marker]
        full = tu.annotated(args[0], *others)
    else:
        full = annotation
    return full, args[0], marker


def _classify(  # noqa: C901 - FastAPI's rules for reading one parameter, in one place
    call: Any, param: inspect.Parameter, path_names: set[str]
) -> tuple[str, Any, Any, FieldInfo | params.Depends | None]:
    """Decide what a parameter is. Returns (kind, full annotation, bare type, marker)."""
    name = param.name
    full, bare, marker = _split_annotation(call, name, param.annotation)
    value = param.default
    is_path = name in path_names
    if isinstance(marker, FieldInfo):
        if marker.default is not PydanticUndefined and marker.default is not ...:
            raise FastAPIError(
                f"`{type(marker).__name__}` default value cannot be set in `Annotated` for {name!r}. "
                "Set the default value with `=` instead."
            )
        marker = copy.copy(marker)
        if value is not inspect.Signature.empty:
            if is_path:
                raise FastAPIError(f"Path parameters cannot have default values ({_where(call, name)}).")
            set_default(marker, value)
        else:
            set_default(marker, PydanticUndefined)
    if isinstance(value, params.Depends):
        if marker is not None:
            if isinstance(marker, params.Depends):
                raise FastAPIError(
                    f"Cannot specify `Depends` in `Annotated` and default value together for {name!r} "
                    f"({_where(call, name)}): keep one of the two."
                )
            raise FastAPIError(
                "Cannot specify a FastAPI annotation in `Annotated` and `Depends` as a default value together for "
                f"{name!r} ({_where(call, name)}): keep one of the two."
            )
        marker = value
    elif isinstance(value, FieldInfo):
        if marker is not None:
            raise FastAPIError(
                "Cannot specify FastAPI annotations in `Annotated` and default value together for "
                f"{_where(call, name)}."
            )
        marker = value
        # FastAPI types a parameter whose marker is its default by the bare type: whatever else ``Annotated``
        # carries (a Discriminator, constraints, ``Field()``) is neither validated nor documented
        full = bare
    if isinstance(marker, params.Depends):
        return "depends", full, bare, marker
    if marker is None:
        marker = _inferred_marker(bare, value, is_path)
        if marker is None:
            return _special_kind(bare) or "field", full, bare, None
    if get_origin(full) is Annotated and any(isinstance(arg, FieldInfo) for arg in get_args(full)[1:]):
        marker, full = _with_field_metadata(marker, full)
    return "field", full, bare, marker


def _with_field_metadata(marker: FieldInfo, full: Any) -> tuple[FieldInfo, Any]:
    """Merge the ``Field()`` settings written next to the marker in ``Annotated`` into it, as FastAPI 0.165 does.

    ``Annotated[int, Field(alias="n"), Query()]`` reads ``n``: the settings each ``FieldInfo`` sets explicitly are
    applied in order, the marker's own last (its explicit values win). Their constraints stay in the annotation.
    """
    args = get_args(full)
    infos = [arg for arg in args[1:] if isinstance(arg, FieldInfo)]
    # The marker's own constraints replace those of the same kind (as Pydantic merges field infos, by type).
    overridden = {type(item) for item in marker.metadata}
    rest = [
        item
        for arg in args[1:]
        for item in ([m for m in arg.metadata if type(m) not in overridden] if isinstance(arg, FieldInfo) else [arg])
    ]
    full = tu.annotated(args[0], *rest) if rest else args[0]
    merged = copy.copy(marker)
    explicit = dict(getattr(marker, "_attributes_set", {}))
    for key in getattr(marker, "cleared", ()):
        explicit[key] = None
        if key == "alias":
            explicit["validation_alias"] = None
    attributes: dict[str, Any] = {}
    for info in infos:
        for attribute, value in getattr(info, "_attributes_set", {}).items():
            if attribute not in ("annotation", "default") and attribute not in FieldInfo.metadata_lookup:
                attributes[attribute] = value
    if "default_factory" in attributes and (_has_default(marker) or isinstance(marker, params.Path)):
        attributes.pop("default_factory")  # ``= value`` wins over a factory met in the annotation; a path has none
    extra = attributes.get("json_schema_extra")
    if isinstance(extra, dict) and isinstance(explicit.get("json_schema_extra"), dict):
        explicit["json_schema_extra"] = {**extra, **explicit["json_schema_extra"]}  # merged, as Pydantic does
        merged.json_schema_extra = explicit["json_schema_extra"]
    for attribute, value in attributes.items():
        if attribute not in explicit:
            setattr(merged, attribute, value)
    for attribute, value in explicit.items():
        if value is None:
            setattr(merged, attribute, None)
    merged._attributes_set = {k: v for k, v in {**attributes, **explicit}.items() if v is not None}
    return merged, full


def _has_default(info: FieldInfo) -> bool:
    """Whether ``info`` has a default of its own (then a ``default_factory`` met elsewhere is not used)."""
    return info.default is not PydanticUndefined and info.default is not ...


def _inferred_marker(bare: Any, value: Any, is_path: bool) -> FieldInfo | None:
    """The marker FastAPI infers for a parameter declared without one (None for the values it injects)."""
    if _special_kind(bare) is not None:
        return None
    default = value if value is not inspect.Signature.empty else PydanticUndefined
    if is_path:
        return params.Path()
    if tu.is_upload_file_annotation(bare):
        return params.File(default)
    if not tu.is_scalar(bare):
        return params.Body(default)
    return params.Query(default)


def _path_choice(info: FieldInfo, alias: str, path_names: set[str]) -> str:
    """A path parameter with ``validation_alias=AliasChoices(...)`` reads the first choice the route's path names.

    One dependency may serve routes whose paths name the value differently (``/items/{item_id}``,
    ``/legacy/{id}``): each route's copy of the parameter takes the segment its own path declares, as in FastAPI.
    """
    choices = getattr(info.validation_alias, "choices", None)
    if not choices or not all(isinstance(choice, str) for choice in choices):
        return alias  # an AliasPath among the choices: the parameter's own name, as in FastAPI
    named = [choice for choice in choices if choice in path_names]
    return named[0] if named else alias


def _make_field(
    call: Any, name: str, full: Any, bare: Any, info: FieldInfo, path_names: set[str], written: Any = None
) -> ParamField:
    checks.ensure_field_type(full, written if written is not None else full, _where(call, name))
    is_path = name in path_names
    if is_path and not isinstance(info, params.Path):
        raise FastAPIError(f"Cannot use `{type(info).__name__}` for path param {name!r} ({_where(call, name)}).")
    location = (
        BODY if isinstance(info, params.Body) else (info.in_.value if isinstance(info, params.Param) else "query")
    )
    if not info.alias and getattr(info, "convert_underscores", False):
        alias = name.replace("_", "-")
    else:
        alias = info.alias or name
    if isinstance(info.validation_alias, str) and info.validation_alias:
        alias = info.validation_alias  # the request key, as FastAPI reads it
    elif is_path or isinstance(info, params.Path):
        alias = _path_choice(info, alias, path_names)
    model = None
    json = tu.is_json(full)  # one JSON string, whatever it parses to: no list of values, no parameter model
    if not json and (location in ("query", "header", "cookie") or (location == BODY and isinstance(info, params.Form))):
        model = tu.model_type(bare)
    if location == "query" and model is None and not json and not (tu.is_scalar(bare) or tu.is_scalar_sequence(bare)):
        raise FastAPIError(f"Query parameter {name!r} must be one of the supported types ({_where(call, name)}).")
    if is_path and not tu.is_scalar(bare):
        raise FastAPIError(f"Path params must be of one of the supported types ({_where(call, name)}).")
    form_union = False
    if location == BODY and isinstance(info, params.Form):
        _ensure_multipart()
        if model is None and not json and not getattr(info, "embed", False) and form_union_models(bare):
            form_union = True
            union = with_form_normalizers(bare)
            full = tu.annotated(union, *get_args(full)[1:]) if get_origin(full) is Annotated else union
    # a form field reads the first choice the form holds a value for (a form model's fields are read by the model)
    # (a path parameter reads the choice its route's path names, decided above)
    choices = _choices(info) if model is None and not form_union and location != "path" else ()
    if info.annotation is None:
        # FastAPI's fields carry their type on the marker too; libraries rebuild models from ``field_info.annotation``
        info.annotation = bare if get_origin(full) is not Annotated else full
    return ParamField(
        name=name,
        alias=choices[0] if choices else alias,
        location=location,
        annotation=full,
        field_info=info,
        is_sequence=not json and tu.is_sequence(bare),
        model=model,
        form_union=form_union,
        choices=choices,
    )


def _choices(info: FieldInfo) -> tuple[str, ...]:
    """The names a single query/header/cookie parameter with ``validation_alias=AliasChoices(...)`` is read under.

    The first one sent is read (and named in its errors); when none is, the first choice is the missing one. Choices
    that are ``AliasPath`` leave the parameter read by its alias, as in FastAPI.
    """
    choices = getattr(info.validation_alias, "choices", None)
    if not choices or not all(isinstance(choice, str) for choice in choices):
        return ()
    return tuple(choices)


def _ensure_multipart() -> None:
    from zephyr._multipart import ensure_multipart_installed

    ensure_multipart_installed()


def build_dependant(
    call: Callable[..., Any],
    *,
    path: str,
    name: str | None = None,
    parent_oauth_scopes: list[str] | None = None,
    own_oauth_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: str | None = None,
    is_security: bool = False,
    overrides: dict[Any, Any] | None = None,
    signature: inspect.Signature | None = None,
    concurrency: Any = None,
) -> Dependant:
    """Analyse ``call`` (and, recursively, its dependencies) for a route whose path is ``path``.

    ``signature`` is ``typed_signature(call)`` when the caller has already worked it out.
    """
    path_names = checks.path_param_names(path)
    below = [*(parent_oauth_scopes or ()), *(own_oauth_scopes or ())]  # what its dependencies see above them
    if signature is None:
        signature = tu.typed_signature(call)
    dependant = Dependant(
        call=call,
        name=name,
        path=path,
        parent_oauth_scopes=parent_oauth_scopes,
        own_oauth_scopes=own_oauth_scopes,
        use_cache=use_cache,
        scope=scope,
        is_security=is_security,
        concurrency=concurrency,
        is_coroutine=tu.is_coroutine_callable(call),
        is_gen=tu.is_gen_callable(call),
        is_async_gen=tu.is_async_gen_callable(call),
    )
    for param in signature.parameters.values():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        kind, full, bare, marker = _classify(call, param, path_names)
        if kind == "depends":
            assert isinstance(marker, params.Depends)  # noqa: S101 - narrowing for mypy, guaranteed by _classify
            if marker.scope == "function" and dependant.computed_scope == "request":
                _refuse_function_scope_below_request_scope(call, param.name)
            dependant.dependencies.append(
                sub_dependant(marker, bare, path=path, name=param.name, scopes=below, overrides=overrides)
            )
        elif kind == "field":
            assert isinstance(marker, FieldInfo)  # noqa: S101 - narrowing for mypy
            dependant.params.append(_make_field(call, param.name, full, bare, marker, path_names, param.annotation))
        else:
            setattr(dependant, kind, param.name)
    return dependant


def _refuse_function_scope_below_request_scope(call: Any, name: str) -> None:
    from zephyr.exceptions import DependencyScopeError

    call_name = getattr(call, "__name__", "<unnamed_callable>")
    # FastAPI's sentence first (its tests match it), then the fix.
    raise DependencyScopeError(
        f'The dependency "{call_name}" has a scope of "request", it cannot depend on dependencies with scope '
        f'"function". Its parameter {name!r} would be closed before it is. Declare "{call_name}" with '
        'Depends(..., scope="function") too, or drop scope="function" from the dependency it uses.'
    )


def sub_dependant(
    marker: params.Depends,
    annotation: Any,
    *,
    path: str,
    name: str | None,
    scopes: Sequence[str],
    overrides: dict[Any, Any] | None,
) -> Dependant:
    """The dependant of a ``Depends``/``Security`` marker, below a dependant whose scopes are ``scopes``."""
    call = marker.dependency if marker.dependency is not None else annotation
    if not callable(call):
        raise FastAPIError(
            f"Depends() for {name!r} needs a callable, got {call!r}. Pass a function or class: Depends(get_db)."
        )
    is_security = isinstance(marker, params.Security)
    own = list(marker.scopes) if isinstance(marker, params.Security) and marker.scopes else []
    if overrides:
        call = overrides.get(call, call)
    return build_dependant(
        call,
        path=path,
        name=name,
        parent_oauth_scopes=list(scopes),
        own_oauth_scopes=own,
        use_cache=marker.use_cache,
        scope=marker.scope,
        is_security=is_security,
        overrides=overrides,
        concurrency=marker._concurrency,
    )


def with_route_dependencies(
    endpoint: Dependant,
    route_dependencies: list[params.Depends],
    *,
    path: str,
    overrides: dict[Any, Any] | None,
) -> Dependant:
    """Prepend the route's (and routers' and app's) ``dependencies=[...]`` to the endpoint's own."""
    if not route_dependencies:
        return endpoint
    extra = [
        sub_dependant(dep, None, path=path, name=None, scopes=(), overrides=overrides) for dep in route_dependencies
    ]
    return dataclasses.replace(endpoint, dependencies=[*extra, *endpoint.dependencies])


def with_overrides(dependant: Dependant, overrides: dict[Any, Any] | None) -> Dependant:
    """``dependant`` with every sub-dependency found in ``overrides`` re-analysed from its replacement."""
    if not overrides:
        return dependant
    children = []
    for child in dependant.dependencies:
        replacement = overrides.get(child.call)
        if replacement is None:
            children.append(with_overrides(child, overrides))
            continue
        children.append(
            build_dependant(
                replacement,
                path=child.path,
                name=child.name,
                parent_oauth_scopes=child.parent_oauth_scopes,
                own_oauth_scopes=child.own_oauth_scopes,
                use_cache=child.use_cache,
                scope=child.scope,
                is_security=child.is_security,
                overrides=overrides,
            )
        )
    return dataclasses.replace(dependant, dependencies=children)

"""Turn a ``Dependant`` tree into a flat, compiled plan: what one request has to do, in order.

Compiled once per route (and again only when ``app.dependency_overrides`` changes):

- one Pydantic validator for every path, query, header and cookie value of the endpoint and all its dependencies;
- one body validator, fed the raw JSON bytes (or the parsed form);
- the dependency calls in the order FastAPI makes them, each result shared where FastAPI's per-request cache would
  share it, so no cache dictionary is consulted per request;
- how to read each value from the ASGI scope.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, BaseModel, TypeAdapter, create_model
from pydantic.fields import FieldInfo

from zephyr import params
from zephyr._compile.adapters import CONFIG, config_for, field_adapter, without_default
from zephyr._compile.aliases import member_pairs
from zephyr._compile.dependant import BODY, Dependant, ParamField
from zephyr._compile.forms import form_union_models
from zephyr._compile.limits import limited
from zephyr._compile.rereads import UPLOAD_KWARG_PREFIX, rereading
from zephyr._compile.typing_utils import is_sequence, is_union, lenient_issubclass, strip_annotated

__all__ = (
    "BodyPlan",
    "ChosenName",
    "FormMembers",
    "FormRead",
    "HeaderMembers",
    "LATER",
    "Members",
    "ModelCache",
    "Plan",
    "SPECIAL_PARAMS",
    "Step",
    "build_plan",
    "form_read",
    "grouped_members",
    "members",
    "mentions_float",
    "names_overrides",
)

Members = tuple[tuple[str, str, bool], ...] | None
HeaderMembers = tuple[tuple[bytes, bytes, str, bool], ...] | None
FormMembers = tuple[tuple[tuple[str, str, bool], ...], ...] | None
"""A form model's fields, one entry per field: the names it may be sent under, as (external name, input key, is
sequence), in FastAPI's order of preference (the first one the form holds a value for is read)."""
"""A header model's fields: (header name, input key as a header name, input key, is sequence)."""
ChosenName = tuple[Any, Any, str, bool]
"""One name of a model field read under several names: (name sent, another name that is no extra value or None,
input key, is sequence); header names are lowercase bytes."""


@dataclass(eq=False)
class Step:
    """One dependency call (or the endpoint itself, last)."""

    dependant: Dependant
    call: Callable[..., Any]
    key: str
    kwargs: tuple[tuple[str, str], ...]
    is_coroutine: bool
    is_gen: bool
    is_async_gen: bool
    exit_early: bool  # a yield dependency whose exit runs right after the endpoint
    direct: bool = False  # a generator endpoint: calling it only creates the generator
    path: tuple[int, ...] = ()  # where it is in the tree: the index of each dependency on the way from the root


@dataclass(frozen=True, eq=False)
class FormRead:
    """How one form parameter reads the form, decided when the plan is compiled (nothing of it per request)."""

    field: ParamField
    group: bool  # reads the whole form: a form model, or a union of them
    models: tuple[type[BaseModel], ...]  # the group's model(s)
    members: FormMembers  # a form model's fields, each its (external name, input key, is sequence) in preference order
    optional: bool  # a group declared ``| None``: absent when the form holds none of its names
    names: frozenset[str]  # the names that show an optional group was supplied
    open_extra: bool  # an optional group's model allows or forbids extras: any value counts as supplied
    reads_bytes: bool  # a ``bytes`` file field: it receives the file's content


def _wants_bytes(annotation: Any, is_sequence_: bool) -> bool:
    """``bytes``, ``list[bytes]``, and either of them ``| None``."""
    options = [arg for arg in get_args(annotation) if arg is not type(None)] if is_union(annotation) else [annotation]
    for option in options:
        if lenient_issubclass(option, bytes):
            return True
        if is_sequence_ and any(lenient_issubclass(arg, bytes) for arg in get_args(option)):
            return True
    return False


def _form_members(model: type[BaseModel]) -> FormMembers:
    return tuple(
        tuple(
            (external, input_key, is_sequence(info.annotation))
            for input_key, external in member_pairs(name, info, model.model_config, convert_underscores=False)
        )
        for name, info in model.model_fields.items()
    )


def form_read(param: ParamField) -> FormRead:
    """Decide how ``param`` reads a form (see ``FormRead``)."""
    bare = strip_annotated(param.annotation)
    group = (
        isinstance(param.field_info, params.Form)
        and not getattr(param.field_info, "embed", False)
        and (param.model is not None or param.form_union)
    )
    models: tuple[type[BaseModel], ...] = ()
    if param.form_union:
        models = form_union_models(bare)
    elif param.model is not None:
        models = (param.model,)
    names = frozenset(  # every name a field is read under (AliasChoices, populate_by_name), as FastAPI checks
        key
        for model in models
        for name, info in model.model_fields.items()
        for key, _ in member_pairs(name, info, model.model_config, convert_underscores=False)
    )
    return FormRead(
        field=param,
        group=group,
        models=models,
        members=_form_members(models[0]) if param.model is not None else None,
        optional=type(None) in get_args(bare),
        names=names,
        open_extra=any(model.model_config.get("extra") in ("allow", "forbid") for model in models),
        reads_bytes=param.is_file and _wants_bytes(bare, param.is_sequence),
    )


@dataclass(eq=False)
class BodyPlan:
    kind: str  # "json" | "form"
    fields: list[ParamField]
    embed: bool
    validator: Any  # pydantic SchemaValidator of the body (JSON) or of the form values
    single_key: str | None  # key of the value when the body is one field, not embedded
    form_model: type[BaseModel] | None = None  # a single Form model parameter
    form_union: bool = False  # a single Form parameter declared as a union of models
    has_float: bool = False  # a float somewhere in the JSON body's type (see body.validate_json_body)
    form_reads: tuple[FormRead, ...] = ()  # for a form body: how each field reads the form, in order
    # Further fields of the same name as the single one (a dependency and the endpoint both taking ``item``): each is
    # validated from the same whole body on its own, as FastAPI does. Empty for almost every route.
    twins: tuple[tuple[str, Any], ...] = ()
    # Fields of an embedded JSON body with a ``default_factory``: the validator leaves them ``LATER`` and the fast
    # path calls the factory once the rest is valid, so that a request failing validation calls it only on the exact
    # path, once, as FastAPI does. Empty for almost every route.
    later: tuple[ParamField, ...] = ()


@dataclass(eq=False)
class Plan:
    """What a request to one route does, decided once."""

    root: Dependant
    steps: list[Step]
    fields: list[ParamField]
    path_fields: tuple[tuple[str, str], ...]
    query_fields: tuple[tuple[str, str, bool, Members], ...]
    header_fields: tuple[tuple[str, bytes, bool, HeaderMembers], ...]
    cookie_fields: tuple[tuple[str, str, Members], ...]
    param_validator: Any
    body: BodyPlan | None
    constants: dict[str, Any]
    needs_request: bool
    needs_response: bool
    needs_background: bool
    needs_exit_stack: bool
    needs_early_exit_stack: bool
    needs_cookies: bool
    needs_query: bool
    header_names: frozenset[bytes] | None  # None: a header model reads every header
    field_adapters: dict[str, TypeAdapter[Any]] = field(default_factory=dict)
    source_context: dict[str, Any] | None = None  # where the endpoint is defined, read on the first error
    #: The endpoint when it is the only call and a coroutine function (no dependencies): awaited directly.
    lone: Step | None = None
    #: Whether a dependency's code names ``dependency_overrides`` (it may install an override mid-request, as
    #: FastAPI's tests do): the route then checks for a change after each dependency (see ``_compile.replan``).
    watches_overrides: bool = False
    #: Path, query, header and cookie parameters with a ``default_factory``: the validator leaves them ``LATER`` and
    #: the fast path calls the factory once the rest is valid (see ``BodyPlan.later``). Empty for almost every route.
    param_later: tuple[ParamField, ...] = ()
    #: Parameter models declared optional (``Model | None``): key -> whether extra values alone select the model.
    optional_groups: dict[str, bool] = field(default_factory=dict)
    #: For optional header models: key -> the header names whose presence selects the model (lowercase bytes).
    header_owns: dict[str, frozenset[bytes]] = field(default_factory=dict)
    #: Single parameters with ``AliasChoices``: key -> the names to try, in order (header names as lowercase bytes).
    choices: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: Query/header/cookie models with a field read under several names (``AliasChoices``, ``populate_by_name``):
    #: key -> one entry per field, its names in preference order (a header model's as in ``HeaderMembers``). The
    #: first name sent is read; the others stay extra values, as in FastAPI. Empty for every other route.
    member_groups: dict[str, tuple[tuple[ChosenName, ...], ...]] = field(default_factory=dict)

    def adapter(self, param: ParamField) -> TypeAdapter[Any]:
        """A per-field validator for the slow path that reproduces FastAPI's error lists exactly."""
        adapter = self.field_adapters.get(param.key)
        if adapter is None:
            adapter = self.field_adapters[param.key] = field_adapter(param.annotation, param.field_info)
        return adapter


def _keyed(info: FieldInfo, key: str) -> FieldInfo:
    clone = copy.copy(info)
    clone.alias = key
    clone.validation_alias = key
    clone.serialization_alias = None
    clone.alias_priority = 2
    _set_aliases(clone, key, key)
    return clone


def _set_aliases(info: FieldInfo, alias: str, validation_alias: Any) -> None:
    """Record the aliases as explicitly set.

    Pydantic merges ``Annotated`` metadata by ``_attributes_set``, where a ``Field(alias=...)`` merged into the
    marker would otherwise win over the key the validator model reads.
    """
    attributes = dict(getattr(info, "_attributes_set", {}))
    attributes.pop("serialization_alias", None)
    attributes.update(alias=alias, validation_alias=validation_alias, alias_priority=2)
    info._attributes_set = attributes


ModelCache = dict[Any, type[BaseModel]]
"""Validator models built during one start-up, by shape: routes whose values validate alike share one."""

_DOC_ONLY = frozenset(
    {"description", "title", "examples", "openapi_examples", "json_schema_extra", "deprecated", "include_in_schema"}
)


class _Later:
    """The type of ``LATER``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "LATER"


LATER: Any = _Later()
"""What an embedded JSON body's validator gives a field with a ``default_factory`` left out (see ``BodyPlan.later``)."""


def _shape(fields: list[ParamField], by_alias: bool, factories_later: bool = False) -> Any:
    """What a model of ``fields`` validates, as a hashable key; None when some part cannot be hashed.

    Two field lists of equal shape build models that validate alike, so an app of thousands of similar routes
    builds a handful of validators at start-up instead of one per route. The key holds the objects themselves
    (annotations, defaults, validators in the metadata), never their ids, so it cannot match a different object.
    """
    parts = []
    for param in fields:
        info = param.field_info
        attributes = getattr(info, "_attributes_set", {})
        settings = tuple(sorted((k, v) for k, v in attributes.items() if k not in _DOC_ONLY))
        default = info.default
        parts.append(
            (
                param.key,
                param.alias,
                param.annotation,
                type(info),
                type(default),
                default,
                info.default_factory,
                tuple(info.metadata),
                settings,
            )
        )
    key = (by_alias, factories_later, tuple(parts))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _model(
    name: str,
    fields: list[ParamField],
    *,
    by_alias: bool = False,
    factories_later: bool = False,
    cache: ModelCache | None = None,
) -> type[BaseModel]:
    """A model validating ``fields``; with ``factories_later``, a field left out with a ``default_factory`` is LATER."""
    key = _shape(fields, by_alias, factories_later) if cache is not None else None
    if key is not None:
        assert cache is not None  # noqa: S101 - a key is only made for a cache
        found = cache.get(key)
        if found is not None:
            return found
    definitions: dict[str, Any] = {}
    for param in fields:
        info = copy.copy(param.field_info) if by_alias else _keyed(param.field_info, param.key)
        if by_alias:
            info.alias = param.alias
            # the first choice sent is read, and named in its errors (the first one when none is)
            info.validation_alias = AliasChoices(*param.choices) if param.choices else param.alias
            info.alias_priority = 2
            _set_aliases(info, param.alias, info.validation_alias)
        if factories_later and info.default_factory is not None:
            _factory_later(info)
        definitions[param.key] = (param.annotation, info)
    model: type[BaseModel] = create_model(name, __config__=CONFIG, **definitions)
    if key is not None:
        assert cache is not None  # noqa: S101 - a key is only made for a cache
        cache[key] = model
    return model


def _factory_later(info: FieldInfo) -> None:
    """Make ``info`` (a copy) default to ``LATER``, unvalidated, instead of calling its factory."""
    info.default_factory = None
    info.default = LATER
    info.validate_default = False
    attributes = dict(getattr(info, "_attributes_set", {}))
    attributes.pop("default_factory", None)
    attributes.update(default=LATER, validate_default=False)
    info._attributes_set = attributes


SPECIAL_PARAMS = (
    ("request_param_name", "request"),
    ("websocket_param_name", "websocket"),
    ("http_connection_param_name", "connection"),
    ("response_param_name", "response"),
    ("background_tasks_param_name", "background_tasks"),
)
"""The ``Dependant`` attributes naming a parameter FastAPI fills itself, with the request value each receives."""


def _order_steps(root: Dependant, websocket: bool = False) -> list[Step]:
    """Dependencies in FastAPI's call order (sub-dependencies first), sharing results FastAPI would cache.

    As on FastAPI, a ``Request`` parameter gets nothing on a WebSocket route and a ``WebSocket`` parameter nothing on
    an HTTP route: the argument is left out of the call (a wrapper taking ``**kwargs`` may declare both).
    """
    skipped = "request_param_name" if websocket else "websocket_param_name"
    steps: list[Step] = []
    seen: dict[Any, str] = {}
    originals: dict[Any, Dependant] = {}
    fields: list[ParamField] = []
    uploads: dict[str, str] = {}  # form name -> key of an ``UploadFile`` parameter of a dependency called already

    def visit(dependant: Dependant, path: tuple[int, ...]) -> str:
        if dependant is not root and dependant.use_cache and dependant.cache_key in seen:
            # FastAPI re-solves the sub-dependencies of a cached dependency; the cached value is what counts.
            key = seen[dependant.cache_key]
            _share_keys(dependant, originals[dependant.cache_key])  # its values, for the exact error path
            return key
        kwargs: list[tuple[str, str]] = []
        for index, sub in enumerate(dependant.dependencies):
            sub_key = visit(sub, (*path, index))
            if sub.name is not None:
                kwargs.append((sub.name, sub_key))
        rereads: list[tuple[str, str]] = []
        for param in dependant.params:
            param.key = f"p{len(fields)}"
            fields.append(param)
            kwargs.append((param.name, param.key))
            upload_key = uploads.get(param.alias) if _single_file(param, True) else None
            if upload_key is not None:  # an earlier dependency may have moved the upload: read where it is then
                rereads.append((param.name, UPLOAD_KWARG_PREFIX + param.name))
                kwargs.append((rereads[-1][1], upload_key))
        uploads.update((param.alias, param.key) for param in dependant.params if _single_file(param, False))
        for attribute, value_key in SPECIAL_PARAMS:
            name = getattr(dependant, attribute)
            if name is not None and attribute != skipped:
                kwargs.append((name, value_key))
        key = f"d{len(steps)}"
        if dependant.security_scopes_param_name is not None:
            kwargs.append((dependant.security_scopes_param_name, f"scopes:{key}"))
        assert dependant.call is not None  # noqa: S101 - every dependant here has a call
        call, is_coroutine = dependant.call, dependant.is_coroutine
        is_gen, is_async_gen = (
            dependant.is_gen and dependant is not root,
            dependant.is_async_gen and dependant is not root,
        )
        if dependant.concurrency is not None and dependant is not root:
            call, is_coroutine, is_async_gen = limited(
                call, dependant.concurrency, is_coroutine=is_coroutine, is_gen=is_gen, is_async_gen=is_async_gen
            )
            is_gen = False
        if rereads and not (dependant is root and (dependant.is_gen or dependant.is_async_gen)):
            call, is_coroutine, is_async_gen = rereading(
                call, tuple(rereads), is_coroutine=is_coroutine, is_gen=is_gen, is_async_gen=is_async_gen
            )
            is_gen = False
        steps.append(
            Step(
                dependant=dependant,
                call=call,
                key=key,
                kwargs=tuple(kwargs),
                is_coroutine=is_coroutine,
                is_gen=is_gen,
                is_async_gen=is_async_gen,
                exit_early=dependant.scope == "function",
                direct=dependant is root and (dependant.is_gen or dependant.is_async_gen),
                path=path,
            )
        )
        seen.setdefault(dependant.cache_key, key)
        originals.setdefault(dependant.cache_key, dependant)
        return key

    visit(root, ())
    return steps


def _single_file(param: ParamField, as_bytes: bool) -> bool:
    """Whether ``param`` is one ``File()`` received as ``bytes`` (``as_bytes``) or as an ``UploadFile``."""
    if not param.is_file or param.is_sequence:
        return False
    return _wants_bytes(strip_annotated(param.annotation), False) == as_bytes


def _share_keys(twin: Dependant, original: Dependant) -> None:
    """A cached dependency's second use reads the same request values as its first (same call, same params)."""
    for twin_param, param in zip(twin.params, original.params, strict=False):
        twin_param.key = param.key
    for twin_sub, sub in zip(twin.dependencies, original.dependencies, strict=False):
        _share_keys(twin_sub, sub)


def _embed_body(fields: list[ParamField]) -> bool:
    if not fields:
        return False
    if any(getattr(f.field_info, "embed", None) for f in fields):
        return True
    if len({f.name for f in fields}) > 1:
        return True
    first = fields[0]
    if _reads_form_group(first) and any(
        not _reads_form_group(f) or strip_annotated(f.annotation) is not strip_annotated(first.annotation)
        for f in fields[1:]
    ):
        return True  # dependencies name different form models alike: each reads the form, as in FastAPI
    return isinstance(first.field_info, params.Form) and first.model is None and not first.form_union


def _reads_form_group(param: ParamField) -> bool:
    return isinstance(param.field_info, params.Form) and (param.model is not None or param.form_union)


def _body_plan(fields: list[ParamField], route_name: str, cache: ModelCache | None) -> BodyPlan | None:
    if not fields:
        return None
    embed = _embed_body(fields)
    is_form = any(isinstance(f.field_info, params.Form) for f in fields)
    if is_form:
        reads = tuple(form_read(f) for f in fields)
        if not embed and fields[0].form_union:
            union = fields[0]
            union_adapter: TypeAdapter[Any] = TypeAdapter(
                Annotated[union.annotation, without_default(union.field_info)]  # type: ignore[arg-type]
            )
            return BodyPlan(
                "form",
                fields,
                False,
                union_adapter.validator,
                union.key,
                form_union=True,
                form_reads=reads,
                twins=_twins(fields),
            )
        if not embed and fields[0].model is not None:
            return BodyPlan(
                "form",
                fields,
                False,
                _form_model_validator(fields[0]),
                fields[0].key,
                fields[0].model,
                form_reads=reads,
                twins=_twins(fields),
            )
        validator = _model(f"{route_name}_Form", fields, cache=cache).__pydantic_validator__
        return BodyPlan("form", fields, True, validator, None, form_reads=reads)
    has_float = any(mentions_float(f.annotation) for f in fields)
    if embed:
        later = tuple(f for f in fields if f.field_info.default_factory is not None)
        model = _model(f"{route_name}_Body", fields, by_alias=True, factories_later=bool(later), cache=cache)
        return BodyPlan("json", fields, True, model.__pydantic_validator__, None, has_float=has_float, later=later)
    only = fields[0]
    return BodyPlan("json", fields, False, _single_validator(only), only.key, has_float=has_float, twins=_twins(fields))


def _form_model_validator(field: ParamField) -> Any:
    """A form model's validator: the model's own, or with the validators ``Annotated`` puts around it (FastAPI's)."""
    assert field.model is not None  # noqa: S101 - called for form models only
    if get_origin(field.annotation) is not Annotated:
        return field.model.__pydantic_validator__
    adapter: TypeAdapter[Any] = TypeAdapter(field.annotation)
    return adapter.validator


def _single_validator(field: ParamField) -> Any:
    """The validator of one body field that is the whole body."""
    adapter: TypeAdapter[Any] = TypeAdapter(
        Annotated[field.annotation, without_default(field.field_info)],  # type: ignore[arg-type]
        config=config_for(field.annotation),
    )
    return adapter.validator


def _twins(fields: list[ParamField]) -> tuple[tuple[str, Any], ...]:
    """The keys and validators of the body fields after the first, all of the first's name (a body not embedded)."""
    return tuple((f.key, _single_validator(f)) for f in fields[1:])


def mentions_float(annotation: Any, seen: set[int] | None = None) -> bool:
    """Whether a float can appear anywhere in values of this type (models, dataclasses and containers walked)."""
    seen = set() if seen is None else seen
    if annotation is float:
        return True
    if id(annotation) in seen:
        return False
    seen.add(id(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(mentions_float(info.annotation, seen) for info in annotation.model_fields.values())
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return any(mentions_float(f.type, seen) for f in dataclasses.fields(annotation))
    return any(mentions_float(arg, seen) for arg in get_args(annotation))


_OVERRIDES_NAME = "dependency_overrides"


def names_overrides(call: Any) -> bool:
    """Whether the code of ``call`` (or of a function defined in it) names ``dependency_overrides``.

    Read once, when the plan is compiled: a dependency that installs an override for a later one of the same
    request (``app.dependency_overrides[original] = replacement``) names it. One that does it through a helper
    defined elsewhere is not seen; the route then watches only once the app's overrides have changed.
    """
    call = getattr(call, "func", call)  # functools.partial
    call = getattr(call, "__func__", call)  # a bound method
    code = getattr(call, "__code__", None)
    if code is None:
        owner: Any = next((vars(cls) for cls in type(call).__mro__ if "__call__" in vars(cls)), {})
        code = getattr(owner.get("__call__"), "__code__", None)  # a callable instance's ``__call__``
    pending = [code] if code is not None else []
    for _ in range(64):  # nested functions and lambdas: a few at most
        if not pending:
            return False
        code = pending.pop()
        if _OVERRIDES_NAME in code.co_names:
            return True
        pending.extend(const for const in code.co_consts if hasattr(const, "co_names"))
    return False


def build_plan(root: Dependant, route_name: str, cache: ModelCache | None = None, *, websocket: bool = False) -> Plan:
    """Compile a dependant tree into a plan (sharing validators with the plans compiled with the same ``cache``).

    ``websocket``: the plan serves a WebSocket route (its ``Request`` parameters get nothing, see ``_order_steps``).
    """
    steps = _order_steps(root, websocket)
    fields = [param for step in steps for param in step.dependant.params]
    plain = [f for f in fields if f.location != BODY]
    body_fields = [f for f in fields if f.location == BODY]
    constants: dict[str, Any] = {}
    for step in steps:
        if step.dependant.security_scopes_param_name is not None:
            from zephyr.security import SecurityScopes

            constants[f"scopes:{step.key}"] = SecurityScopes(scopes=step.dependant.oauth_scopes)
    walk = [step.dependant for step in steps]
    optional_groups = _optional_groups(plain)
    param_later = tuple(f for f in plain if f.field_info.default_factory is not None)
    needs = {
        attribute: any(getattr(d, attribute) is not None for d in walk)
        for attribute in (
            "request_param_name",
            "http_connection_param_name",
            "response_param_name",
            "background_tasks_param_name",
        )
    }
    return Plan(
        root=root,
        steps=steps,
        lone=steps[0] if len(steps) == 1 and steps[0].is_coroutine and not steps[0].direct else None,
        watches_overrides=any(names_overrides(step.dependant.call) for step in steps[:-1]),
        fields=fields,
        path_fields=tuple((f.key, f.alias) for f in plain if f.location == "path"),
        query_fields=tuple((f.key, f.alias, f.is_sequence, members(f)) for f in plain if f.location == "query"),
        header_fields=tuple(
            (f.key, f.alias.lower().encode("latin-1"), f.is_sequence, _header_members(f))
            for f in plain
            if f.location == "header"
        ),
        cookie_fields=tuple((f.key, f.alias, members(f)) for f in plain if f.location == "cookie"),
        optional_groups=optional_groups,
        header_owns={
            f.key: frozenset(member[0] for member in _header_members(f) or ())
            for f in plain
            if f.location == "header" and f.key in optional_groups
        },
        member_groups=_member_groups(plain),
        choices={
            f.key: tuple(c.lower().encode("latin-1") for c in f.choices) if f.location == "header" else f.choices
            for f in plain
            if f.choices
        },
        param_validator=_model(
            f"{route_name}_Params", plain, factories_later=bool(param_later), cache=cache
        ).__pydantic_validator__
        if plain
        else None,
        param_later=param_later,
        body=_body_plan(body_fields, route_name, cache),
        constants=constants,
        needs_request=needs["request_param_name"] or needs["http_connection_param_name"],
        needs_response=needs["response_param_name"],
        needs_background=needs["background_tasks_param_name"],
        needs_exit_stack=any(s.is_gen or s.is_async_gen for s in steps),
        needs_early_exit_stack=any((s.is_gen or s.is_async_gen) and s.exit_early for s in steps),
        needs_cookies=any(f.location == "cookie" for f in plain),
        needs_query=any(f.location == "query" for f in plain),
        header_names=None
        if any(f.location == "header" and f.model is not None for f in plain)
        else frozenset(_header_names(plain)),
    )


def _header_names(fields: list[ParamField]) -> list[bytes]:
    names: list[bytes] = []
    for f in fields:
        if f.location != "header":
            continue
        group = members(f, convert_underscores=True)
        if group is not None:
            names.extend(external.lower().encode("latin-1") for external, _, _ in group)
        else:
            names.extend(name.lower().encode("latin-1") for name in (f.choices or (f.alias,)))
    return names


def _header_members(param: ParamField) -> HeaderMembers:
    found = members(param, convert_underscores=True)
    if found is None:
        return None
    return tuple(_header_entry(entry) for entry in found)


def _header_entry(entry: tuple[str, str, bool]) -> tuple[bytes, bytes, str, bool]:
    external, key, is_sequence_ = entry
    return external.lower().encode("latin-1"), key.lower().encode("latin-1"), key, is_sequence_


def _member_groups(plain: list[ParamField]) -> dict[str, tuple[tuple[ChosenName, ...], ...]]:
    """The query/header/cookie models with a field read under several names, as :attr:`Plan.member_groups`."""
    found: dict[str, tuple[tuple[ChosenName, ...], ...]] = {}
    for param in plain:
        if param.location not in ("query", "header", "cookie"):
            continue
        groups = grouped_members(param, convert_underscores=param.location == "header")
        if groups is None or all(len(names) == 1 for names in groups):
            continue
        if param.location == "header":
            found[param.key] = tuple(
                tuple(
                    (name, key, input_key, sequence)
                    for name, key, input_key, sequence in (_header_entry(entry) for entry in names)
                )
                for names in groups
            )
        else:
            found[param.key] = tuple(
                tuple((external, None, input_key, sequence) for external, input_key, sequence in names)
                for names in groups
            )
    return found


def _optional_groups(plain: list[ParamField]) -> dict[str, bool]:
    """The query/header/cookie models declared as a union (``Model | None``), as :attr:`Plan.optional_groups`.

    Such a model is validated only when the request sends one of its fields (or, for a model that allows or forbids
    extra values, any value): otherwise the parameter takes its default, as in FastAPI.
    """
    found: dict[str, bool] = {}
    for param in plain:
        if param.model is None or param.location not in ("query", "header", "cookie"):
            continue
        bare = get_args(param.annotation)[0] if get_origin(param.annotation) is Annotated else param.annotation
        if bare is not param.model:
            found[param.key] = param.model.model_config.get("extra") in ("allow", "forbid")
    return found


def members(param: ParamField, *, convert_underscores: bool = False) -> tuple[tuple[str, str, bool], ...] | None:
    """For a parameter model (query/header/cookie/form group): (external name, input key, is sequence) entries.

    A field has one entry per name it may be sent under (see :func:`member_pairs`), in FastAPI's order of preference.
    """
    groups = grouped_members(param, convert_underscores=convert_underscores)
    return None if groups is None else tuple(entry for names in groups for entry in names)


def grouped_members(
    param: ParamField, *, convert_underscores: bool = False
) -> tuple[tuple[tuple[str, str, bool], ...], ...] | None:
    """As :func:`members`, one tuple per model field (its names in FastAPI's order of preference)."""
    model = param.model
    if model is None:
        return None
    convert = convert_underscores and getattr(param.field_info, "convert_underscores", False)
    return tuple(
        tuple(
            (external, input_key, is_sequence(info.annotation))
            for input_key, external in member_pairs(name, info, model.model_config, convert_underscores=convert)
        )
        for name, info in model.model_fields.items()
    )

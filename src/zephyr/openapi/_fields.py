"""The fields the OpenAPI generator documents, each with the Pydantic adapter its schema comes from.

A field is FastAPI's ``ModelField``: a name, an alias, a mode (``validation`` for request data,
``serialization`` for responses) and a type with its ``FieldInfo``. Its schema comes from
``TypeAdapter(Annotated[type, *metadata, Field(**attributes)])``, as FastAPI builds it, so the JSON Schema matches.
"""

from __future__ import annotations

import copy
import functools
import warnings
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, GetPydanticSchema, TypeAdapter, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from zephyr import params
from zephyr._compile.aliases import member_pairs
from zephyr._compile.dependant import Dependant, ParamField
from zephyr._compile.typing_utils import annotated, lenient_issubclass, strip_annotated
from zephyr.openapi._form_model_schema import form_model_schema

__all__ = (
    "Mode",
    "ModelField",
    "body_field",
    "body_field_of",
    "flat_models",
    "flat_param_fields",
    "from_param",
    "response_field",
)

Mode = Literal["validation", "serialization"]

# The FieldInfo attributes that are not type metadata (Pydantic's ``FieldInfo.asdict()["attributes"]``).
_ATTRIBUTES = (
    "default",
    "default_factory",
    "alias",
    "alias_priority",
    "validation_alias",
    "serialization_alias",
    "title",
    "field_title_generator",
    "description",
    "examples",
    "exclude",
    "exclude_if",
    "discriminator",
    "deprecated",
    "json_schema_extra",
    "frozen",
    "validate_default",
    "repr",
    "init",
    "init_var",
    "kw_only",
)


@dataclass(eq=False)
class ModelField:
    """One field: what FastAPI calls a ``ModelField`` (``fastapi._compat.ModelField`` is this class).

    The OpenAPI generator documents request parameters, bodies and responses as such fields; libraries build them
    to validate or serialize one value the way FastAPI would. The Pydantic adapter is built on first use.

    Example:
        >>> from pydantic.fields import FieldInfo
        >>> field = ModelField(field_info=FieldInfo(annotation=int), name="limit")
        >>> field.validate("3")
        (3, [])
    """

    field_info: FieldInfo
    name: str
    mode: Mode = "validation"
    """``"validation"`` for request data, ``"serialization"`` for response data."""
    config: ConfigDict | None = None
    """The Pydantic config the value is validated with (not for a model type, which carries its own)."""
    source: FieldInfo | None = None
    """The user's marker (``Body``, ``Form``...) with its OpenAPI-only attributes."""
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False)

    @property
    def alias(self) -> str:
        return self.field_info.alias if self.field_info.alias is not None else self.name

    @property
    def validation_alias(self) -> str | None:
        alias = self.field_info.validation_alias
        return alias if isinstance(alias, str) and alias else None

    @property
    def serialization_alias(self) -> str | None:
        return self.field_info.serialization_alias or None

    @property
    def required(self) -> bool:
        return bool(self.field_info.is_required())

    @property
    def type_(self) -> Any:
        """The field's type (Pydantic 1's name for it, still read by older libraries)."""
        return self.field_info.annotation

    @property
    def default(self) -> Any:
        """The default value (a factory's product), or ``PydanticUndefined`` for a required field."""
        return self.get_default()

    def get_default(self) -> Any:
        if self.field_info.is_required():
            return PydanticUndefined
        return self.field_info.get_default(call_default_factory=True)

    @property
    def adapter(self) -> TypeAdapter[Any]:
        if self._adapter is None:
            with warnings.catch_warnings():
                # Pydantic warns about field attributes (alias...) that a TypeAdapter does not use; they are
                # documented by the generator itself.
                warnings.simplefilter("ignore")
                info = self.field_info
                attributes = {name: getattr(info, name) for name in _ATTRIBUTES if hasattr(info, name)}
                args = (info.annotation, *info.metadata, Field(**attributes))
                self._adapter = TypeAdapter(annotated(*args), config=self.config)
        return self._adapter

    def validate(
        self, value: Any, values: dict[str, Any] | None = None, *, loc: tuple[int | str, ...] = ()
    ) -> tuple[Any, list[dict[str, Any]]]:
        """Validate ``value``: ``(result, [])``, or ``(None, errors)`` with each error's ``loc`` under ``loc``.

        ``values`` (the other fields, in Pydantic 1) is accepted and not used.
        """
        try:
            return self.adapter.validate_python(value, from_attributes=True), []
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            return None, [{**error, "loc": (*loc, *error.get("loc", ()))} for error in errors]

    def serialize(
        self,
        value: Any,
        *,
        mode: Literal["json", "python"] = "json",
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = True,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> Any:
        """``value`` (already validated) dumped as this field's type does: JSON-ready by default."""
        return self.adapter.dump_python(
            value,
            mode=mode,
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def serialize_json(
        self,
        value: Any,
        *,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool = True,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> bytes:
        """``value`` (already validated) as JSON bytes, in one pass."""
        return self.adapter.dump_json(
            value,
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )


def _field_info(annotation: Any, info: FieldInfo | None = None, **overrides: Any) -> FieldInfo:
    """A ``FieldInfo`` for ``annotation`` carrying ``info``'s attributes (type and metadata merged as Pydantic does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if info is None:
            merged = FieldInfo.from_annotation(annotation)
        else:
            merged = FieldInfo.merge_field_infos(FieldInfo.from_annotation(annotation), info)
    for key, value in overrides.items():
        setattr(merged, key, value)
    return merged


def from_param(param: ParamField) -> ModelField:
    """The documented field of a request parameter."""
    info = _field_info(param.annotation, param.field_info, alias=param.alias)
    return ModelField(name=param.name, field_info=info, mode="validation", source=param.field_info)


def flat_param_fields(param: ParamField) -> list[tuple[ModelField, str]]:
    """A parameter, or each field of a parameter model, as (field, external name)."""
    if param.model is None:
        return [(from_param(param), param.alias)]
    convert = param.location == "header" and getattr(param.field_info, "convert_underscores", True)
    found = []
    for name, info in param.model.model_fields.items():
        # FastAPI documents a field under the first name it is read by (an ``AliasChoices`` field's first choice)
        alias, external = member_pairs(name, info, param.model.model_config, convert_underscores=convert)[0]
        clone = _field_info(info.annotation, info)
        clone.alias = clone.validation_alias = alias  # the title follows that name too
        found.append((ModelField(name=name, field_info=clone, mode="validation"), external))
    return found


def response_field(name: str, annotation: Any) -> ModelField:
    return ModelField(name=name, field_info=_field_info(annotation), mode="serialization")


def body_field(dependant: Dependant, unique_id: str) -> ModelField | None:
    """The request body as FastAPI documents it: the single body parameter, or a ``Body_<id>`` model."""
    return body_field_of(_body_params(dependant), unique_id)


def body_field_of(fields: list[ParamField], unique_id: str, embed: bool | None = None) -> ModelField | None:
    """The field standing for a body read by ``fields`` (FastAPI's ``route.body_field``); ``None`` for no body.

    ``embed`` is whether the body is an object keyed by parameter (worked out from ``fields`` when not given).
    """
    if not fields:
        return None
    if embed is None:
        from zephyr._compile.plan import _embed_body

        embed = _embed_body(fields)
    if any(_form_group_models(f) for f in fields) and (embed or _has_nullable_form_group(fields)):
        return _form_group_body(fields, unique_id, embed)
    if not embed:
        only = fields[0]
        if only.choices:  # the whole body is the value: ``AliasChoices`` names nothing, the title is the parameter's
            info = _field_info(only.annotation, only.field_info, alias=only.field_info.alias or only.name)
            return ModelField(name=only.name, field_info=info, mode="validation", source=only.field_info)
        return from_param(only)
    infos = {f.name: _field_info(f.annotation, f.field_info, alias=f.alias) for f in fields}
    # The merged info already carries the annotation's metadata (``Json``, constraints): pass its bare type with it,
    # or Pydantic applies that metadata twice (``Json[X]`` documented as JSON inside JSON).
    definitions = {name: (info.annotation, info) for name, info in infos.items()}
    model: type[BaseModel] = create_model(f"Body_{unique_id}", **definitions)  # type: ignore[call-overload]
    kwargs: dict[str, Any] = {"alias": "body"}
    if not any(f.required for f in fields):
        kwargs["default"] = None
    info_class: type[params.Body]
    if any(isinstance(f.field_info, params.File) for f in fields):
        info_class = params.File
    elif any(isinstance(f.field_info, params.Form) for f in fields):
        info_class = params.Form
    else:
        info_class = params.Body
    if info_class is not params.File:
        _set_media_type(kwargs, info_class, fields)
    marker = info_class(**kwargs)
    marker.annotation = model
    return ModelField(name="body", field_info=marker, mode="validation")


def _set_media_type(kwargs: dict[str, Any], info_class: type[params.Body], fields: list[ParamField]) -> None:
    media_types = [getattr(f.field_info, "media_type", None) for f in fields if isinstance(f.field_info, info_class)]
    if info_class is params.Form and "multipart/form-data" in media_types:
        kwargs["media_type"] = "multipart/form-data"
    elif len(set(media_types)) == 1:
        kwargs["media_type"] = media_types[0]


def _form_group_models(param: ParamField) -> tuple[type[BaseModel], ...]:
    """The model(s) of a form parameter that reads the whole form (a form model, or a union of them)."""
    if not isinstance(param.field_info, params.Form) or getattr(param.field_info, "embed", False):
        return ()
    if param.model is not None:
        return (param.model,)
    if param.form_union:
        from zephyr._compile.forms import form_union_models

        return form_union_models(strip_annotated(param.annotation))
    return ()


def _has_nullable_form_group(fields: list[ParamField]) -> bool:
    return any(_form_group_models(f) and type(None) in get_args(strip_annotated(f.annotation)) for f in fields)


def _form_group_body(fields: list[ParamField], unique_id: str, embed: bool) -> ModelField:
    """FastAPI's body schema when form groups are combined or optional.

    A ``Body_`` model whose JSON Schema lists each parameter as a condition (``allOf``); an optional group may be
    absent altogether.
    """
    definitions: dict[str, Any] = {}
    for index, field_ in enumerate(fields):
        name = f"field_{index}"
        info = _field_info(field_.annotation, field_.field_info)
        title = field_.field_info.title or field_.name.replace("_", " ").title()
        overrides = {"alias": name, "validation_alias": name, "serialization_alias": name, "title": title}
        required_model = field_.model is not None and strip_annotated(field_.annotation) is field_.model
        if required_model and _form_group_models(field_) and not field_.field_info.title:
            del overrides["title"]  # FastAPI gives a required form model's reference (not ``Model | None``) no title
        for key, value in overrides.items():
            setattr(info, key, value)
        info.alias_priority = 2
        info._attributes_set = {**info._attributes_set, **overrides, "alias_priority": 2}
        definitions[name] = (_form_model_annotation(field_), info)
    config = ConfigDict(json_schema_extra=functools.partial(_form_body_schema, fields))
    model: type[BaseModel] = create_model(f"Body_{unique_id}", __config__=config, **definitions)
    first = fields[0]
    if not embed:
        marker = copy.copy(first.field_info)
        marker.annotation = model
        marker.metadata = []
        marker.discriminator = None
        return ModelField(name=first.name, field_info=marker, mode="validation", source=first.field_info)
    kwargs: dict[str, Any] = {"alias": "body"}
    if not any(f.required for f in fields):
        kwargs["default"] = None
    info_class = params.File if any(isinstance(f.field_info, params.File) for f in fields) else params.Form
    if info_class is not params.File:
        _set_media_type(kwargs, info_class, fields)
    body_marker = info_class(**kwargs)
    body_marker.annotation = model
    return ModelField(name="body", field_info=body_marker, mode="validation")


def _form_model_annotation(param: ParamField) -> Any:
    """A form model's type in the combined body: its schema renamed to the names the form reads (FastAPI's)."""
    model = param.model
    if model is None or not _form_group_models(param):
        return param.annotation
    hook = GetPydanticSchema(get_pydantic_json_schema=functools.partial(form_model_schema, model))
    wrapped: Any = Annotated[model, hook]
    return wrapped if strip_annotated(param.annotation) is model else wrapped | None


def _form_body_schema(fields: list[ParamField], schema: dict[str, Any]) -> None:
    """Rewrite the ``Body_`` schema of combined or optional form groups as FastAPI does."""
    parameter_schemas = schema.pop("properties")
    schema.pop("required", None)
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for index, param in enumerate(fields):
        field_schema = parameter_schemas[f"field_{index}"]
        models = _form_group_models(param)
        if not models:
            if param.alias in properties:
                conditions.append({"properties": {param.alias: field_schema}})
            else:
                properties[param.alias] = field_schema
            if param.required and param.alias not in required:
                required.append(param.alias)
            continue
        field_schema.pop("default", None)
        if type(None) in get_args(strip_annotated(param.annotation)):
            field_schema["anyOf"] = [choice for choice in field_schema["anyOf"] if choice.get("type") != "null"]
            absent: dict[str, Any]
            if any(model.model_config.get("extra") in ("allow", "forbid") for model in models):
                absent = {"maxProperties": 0}
            else:
                names = sorted(  # every name a field is read under (AliasChoices, populate_by_name)
                    {
                        key
                        for model in models
                        for name, info in model.model_fields.items()
                        for key, _ in member_pairs(name, info, model.model_config, convert_underscores=False)
                    }
                )
                absent = {"not": {"anyOf": [{"required": [name]} for name in names]}} if names else {}
            if param.required:
                conditions.append({"not": absent})
            else:
                field_schema = {"anyOf": [absent, field_schema]}
        conditions.append(field_schema)
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    schema["allOf"] = conditions


def _body_params(dependant: Dependant) -> list[ParamField]:
    """Body parameters of the whole tree, each dependency once (FastAPI's flat dependant)."""
    return dependant.flat_body_params()


def flat_models(fields: list[ModelField]) -> set[Any]:  # noqa: C901 - mirrors FastAPI's walk over types
    """Every model and enum reachable from the fields' types (FastAPI adds them as definitions too)."""
    known: set[Any] = set()

    def from_model(model: type[BaseModel]) -> None:
        for info in model.model_fields.values():
            from_type(info.annotation)

    def from_type(annotation: Any) -> None:
        if lenient_issubclass(annotation, BaseModel):
            if annotation not in known:
                known.add(annotation)
                from_model(annotation)
            return
        if lenient_issubclass(annotation, Enum):
            known.add(annotation)
            return
        if get_origin(annotation) is not None:
            for arg in get_args(annotation):
                if lenient_issubclass(arg, (BaseModel, Enum)):
                    if arg not in known:
                        known.add(arg)
                        if lenient_issubclass(arg, BaseModel):
                            from_model(arg)
                else:
                    from_type(arg)

    for item in fields:
        from_type(item.field_info.annotation)
    return known

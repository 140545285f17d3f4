"""Response models validated into dicts instead of model instances, when that gives the same bytes.

A response model's job is to check what the endpoint returned and write it out through the model's fields. When
the endpoint returns dicts (the usual case: rows, JSON from elsewhere), building a model instance per row only to
serialize it straight away is most of the cost: pydantic-core validates the same dicts into dicts about twice as
fast, and its typed-dict serializer writes the same bytes.

`plain_schema` rewrites a response type's core schema so that every model in it becomes a typed dict with the same
fields, aliases, defaults and config. It does so only for models that are nothing but fields: no validators or
serializers of the user's (they could see the instance, or run twice), no computed fields, no extra fields kept,
no strict mode (a strict model refuses dicts), no ``ser_json_*`` config (a typed dict's config reaches its
validators, not its fields' serializers), no model inside a union (the union would choose by other rules).
Anything else returns ``None`` and the route keeps the model path alone.

`json_native` then says whether the validated data can only be plain JSON, which orjson writes in the same bytes.

The rewritten schema is only a shortcut for input it accepts: whatever it rejects (model instances, ORM objects
read through attributes, invalid data) goes through the original model, which gives FastAPI's exact result or
errors. So the shortcut never decides an error, and on input it accepts it yields what the model would. Input is
read twice that way, so the rewritten containers accept only their own type: an iterator (a generator for a
``list`` field) is refused before it is spent, and reaches the model whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import CoreSchema

__all__ = ("json_native", "plain_schema")


class _NotPlain(Exception):  # noqa: N818 - internal signal, never escapes this module
    pass


_LEAVES = frozenset(
    {
        "any",
        "none",
        "bool",
        "int",
        "float",
        "decimal",
        "complex",
        "str",
        "bytes",
        "date",
        "time",
        "datetime",
        "timedelta",
        "literal",
        "enum",
        "uuid",
        "url",
        "multi-host-url",
        "definition-ref",
    }
)
"""Schemas that validate and serialize a value alike in a model or in a typed dict."""

_SAFE_SERIALIZERS = frozenset({"to-string", "format", "simple"})
"""Serialization schemas that are pydantic's own, not a function of the user's (which may expect the instance)."""

# The keys a model's schema may have, and those it may have only when unset (each one a behaviour dicts lack).
_MODEL_KEYS = frozenset(
    {"type", "cls", "schema", "config", "ref", "metadata", "generic_origin", "frozen", "revalidate_instances"}
)
_MODEL_KEYS_IF_UNSET = frozenset({"custom_init", "root_model", "post_init", "strict", "serialization"})
_MODEL_FIELDS_KEYS = frozenset({"type", "fields", "model_name", "ref", "metadata", "from_attributes", "extra_behavior"})
_MODEL_FIELDS_KEYS_IF_UNSET = frozenset(
    {"computed_fields", "strict", "extras_schema", "extras_keys_schema", "serialization"}
)
_FIELD_KEYS_KEPT = ("validation_alias", "serialization_alias", "serialization_exclude")
_FIELD_KEYS = frozenset({"type", "schema", "frozen", "metadata", *_FIELD_KEYS_KEPT})
_FIELD_KEYS_IF_UNSET = frozenset({"serialization_exclude_if"})


def plain_schema(schema: CoreSchema) -> CoreSchema | None:
    """``schema`` with every model turned into a typed dict of the same fields, or ``None`` when not exact.

    ``None`` also when there is no model to turn: the rewritten schema would be the original one.
    """
    try:
        rewritten, changed = _walk(schema)
    except _NotPlain:
        return None
    return rewritten if changed else None


def _walk(node: Any) -> tuple[Any, bool]:
    """Rewrite one schema node; return it and whether a model was turned into a typed dict in it."""
    if _custom_serializer(node):
        raise _NotPlain
    kind = node["type"]
    if kind in _LEAVES:
        return node, False
    rewrite = _REWRITES.get(kind)
    if rewrite is None:
        raise _NotPlain
    return rewrite(node)


_EMPTY_FACTORIES = (list, dict, set, frozenset, tuple)


def _default(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if "default_factory" in node:
        empty = node["default_factory"] in _EMPTY_FACTORIES
    else:
        default = node.get("default")
        empty = default is None or (type(default) in _EMPTY_FACTORIES and not default)
    if not empty and _has_model_or_ref(node["schema"]):
        raise _NotPlain  # the default may hold a model instance, which a typed dict's serializer does not expect
    return _children(node, ("schema",))


def _tuple(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    items = [_walk(item) for item in node.get("items_schema", ())]
    return {**node, "items_schema": [item for item, _ in items]}, any(changed for _, changed in items)


def _definitions(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    definitions = [_walk(item) for item in node["definitions"]]
    inner, changed = _walk(node["schema"])
    rewritten = {**node, "schema": inner, "definitions": [item for item, _ in definitions]}
    return rewritten, changed or any(changed for _, changed in definitions)


def _union(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    for choice in node["choices"]:
        schema = choice[0] if isinstance(choice, tuple) else choice
        if _has_model_or_ref(schema):
            raise _NotPlain  # a union picks among models by rules of its own: leave it to the models
        _walk(schema)  # refuses what it would refuse anywhere else (a function of the user's, say)
    return node, False


def _typed_dict(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if node.get("computed_fields") or node.get("extras_schema"):
        raise _NotPlain
    fields = {name: _typed_dict_field(field) for name, field in node["fields"].items()}
    rewritten = {**node, "fields": {name: field for name, (field, _) in fields.items()}}
    return rewritten, any(changed for _, changed in fields.values())


def _exact_container(node: dict[str, Any], changed: bool) -> tuple[dict[str, Any], bool]:
    """A container that accepts only its own type (items stay lax): the shortcut never starts on an iterator.

    The shortcut's first attempt must leave the input as it found it for the model path. A generator given for a
    ``list`` field would be spent by that attempt; refused at once, it reaches the model untouched. Tuples for lists,
    mappings for dicts and the like take the model path too, which writes them the same way.
    """
    return {**node, "strict": True}, changed


def _children(node: dict[str, Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], bool]:
    rewritten = dict(node)
    changed = False
    for key in keys:
        child = node.get(key)
        if child is not None:
            rewritten[key], inner_changed = _walk(child)
            changed = changed or inner_changed
    return rewritten, changed


def _typed_dict_field(field: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if field.get("serialization_exclude_if"):
        raise _NotPlain
    inner, changed = _walk(field["schema"])
    return {**field, "schema": inner}, changed


def _model(node: dict[str, Any]) -> dict[str, Any]:
    _only(node, _MODEL_KEYS, _MODEL_KEYS_IF_UNSET)
    config = node.get("config") or {}
    inner = node["schema"]
    if inner["type"] != "model-fields":
        raise _NotPlain
    _only(inner, _MODEL_FIELDS_KEYS, _MODEL_FIELDS_KEYS_IF_UNSET)
    extra = inner.get("extra_behavior") or config.get("extra_fields_behavior")
    if config.get("strict") or extra == "allow":
        raise _NotPlain  # a strict model refuses dicts; extra fields kept would serialize in an order of their own
    if any(key.startswith("ser_") for key in config):
        raise _NotPlain  # a typed dict's config reaches its validators, not its fields' serializers
    typed_dict: dict[str, Any] = {
        "type": "typed-dict",
        "fields": {name: _field(field) for name, field in inner["fields"].items()},
        "config": config,
    }
    if extra:
        typed_dict["extra_behavior"] = extra
    if "ref" in node:
        typed_dict["ref"] = node["ref"]
    return typed_dict


def _field(field: dict[str, Any]) -> dict[str, Any]:
    _only(field, _FIELD_KEYS, _FIELD_KEYS_IF_UNSET)
    schema, _ = _walk(field["schema"])
    rewritten: dict[str, Any] = {"type": "typed-dict-field", "schema": schema, "required": schema["type"] != "default"}
    for key in _FIELD_KEYS_KEPT:
        if field.get(key) is not None:
            rewritten[key] = field[key]
    return rewritten


_REWRITES: dict[str, Callable[[dict[str, Any]], tuple[dict[str, Any], bool]]] = {
    "model": lambda node: (_model(node), True),
    "default": _default,
    "list": lambda node: _exact_container(*_children(node, ("items_schema",))),
    "set": lambda node: _exact_container(*_children(node, ("items_schema",))),
    "frozenset": lambda node: _exact_container(*_children(node, ("items_schema",))),
    "nullable": lambda node: _children(node, ("schema",)),
    "dict": lambda node: _exact_container(*_children(node, ("keys_schema", "values_schema"))),
    "tuple": lambda node: _exact_container(*_tuple(node)),
    "definitions": _definitions,
    "union": _union,
    "typed-dict": _typed_dict,
}


def _only(node: dict[str, Any], allowed: frozenset[str], allowed_if_unset: frozenset[str]) -> None:
    """Refuse a schema with a key this module does not know, or a known one set to what dicts cannot do."""
    for key, value in node.items():
        if key not in allowed and not (key in allowed_if_unset and not value):
            raise _NotPlain


def _custom_serializer(node: dict[str, Any]) -> bool:
    serialization = node.get("serialization")
    return serialization is not None and serialization.get("type") not in _SAFE_SERIALIZERS


def _has_model_or_ref(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("type") in ("model", "definition-ref", "dataclass"):
            return True
        return any(_has_model_or_ref(value) for key, value in node.items() if key not in ("metadata", "default"))
    if isinstance(node, (list, tuple)):
        return any(_has_model_or_ref(item) for item in node)
    return False


_NATIVE_LEAVES = frozenset({"int", "str", "float", "bool", "none", "definition-ref"})
_NATIVE_TYPES = (str, int, float, bool, type(None))


def json_native(schema: CoreSchema) -> bool:
    """Whether every value ``schema`` validates to is plain JSON data (dicts, lists, str, int, float, bool, None).

    Validation hands out exact types (an ``IntEnum`` member comes out an ``int``), so such data can be written by
    any encoder that writes JSON as pydantic-core does; orjson, when installed, does it several times faster. Keys
    renamed or dropped on output (aliases, ``exclude=True``), serializers of any kind, ``Any`` values and floats
    written other than as ``null`` when not finite all mean no.
    """
    try:
        _native(schema)
    except _NotPlain:
        return False
    return True


def _native(node: Any) -> None:  # noqa: C901 - one branch per schema type, each a line or two
    kind = node["type"]
    if node.get("serialization") is not None:
        raise _NotPlain
    if kind in _NATIVE_LEAVES:
        return
    if kind == "literal":
        if not all(type(value) in _NATIVE_TYPES for value in node["expected"]):
            raise _NotPlain
    elif kind in ("list", "tuple", "nullable", "default", "definitions", "union"):
        if kind == "default" and not _native_default(node):
            raise _NotPlain
        for child in _child_schemas(node):
            _native(child)
    elif kind == "dict":
        if node.get("keys_schema", {}).get("type") != "str" or "values_schema" not in node:
            raise _NotPlain
        _native(node["values_schema"])
    elif kind == "typed-dict":
        config = node.get("config") or {}
        if config.get("ser_json_inf_nan", "null") != "null" or node.get("extra_behavior") == "allow":
            raise _NotPlain
        for name, field in node["fields"].items():
            renamed = field.get("serialization_alias") not in (None, name)
            if renamed or field.get("serialization_exclude") or field.get("serialization_exclude_if"):
                raise _NotPlain
            _native(field["schema"])
    else:
        raise _NotPlain


def _child_schemas(node: dict[str, Any]) -> list[dict[str, Any]]:
    children: list[Any] = []
    for key in ("schema", "items_schema"):
        child = node.get(key)
        if isinstance(child, list):
            children.extend(child)
        elif child is not None:
            children.append(child)
    children.extend(node.get("definitions", ()))
    children.extend(choice[0] if isinstance(choice, tuple) else choice for choice in node.get("choices", ()))
    return children


def _native_default(node: dict[str, Any]) -> bool:
    """A default goes out as it is, unvalidated: it must be data the encoders write alike, of the field's type."""
    if "default_factory" in node:
        return node["default_factory"] in (list, dict, tuple)
    default = node.get("default")
    if default is None or (type(default) in (list, tuple, dict) and not default):
        return True
    return type(default).__name__ in _exact_types(node["schema"])


def _exact_types(schema: dict[str, Any]) -> set[str]:
    """The types a field's serializer writes as they are; any other value it would convert (an int to ``1.0``)."""
    kind = schema["type"]
    if kind in ("int", "str", "float", "bool"):
        return {kind}
    if kind == "literal":
        return {type(value).__name__ for value in schema["expected"]}
    if kind == "nullable":
        return _exact_types(schema["schema"])
    return set()

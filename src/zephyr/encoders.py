"""``jsonable_encoder``: turn any value an endpoint may return into JSON-compatible Python data.

Behaves as FastAPI's: Pydantic models are dumped in JSON mode, dataclasses become dicts, enums their values, dates ISO
strings, ``Decimal`` an int or float, sets and generators lists, and unknown objects fall back to ``dict(obj)`` then
``vars(obj)``.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path, PurePath
from re import Pattern
from types import GeneratorType
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from pydantic.types import SecretBytes, SecretStr
from pydantic_core import PydanticUndefinedType, Url

from zephyr.exceptions import PydanticV1NotSupportedError
from zephyr.types import IncEx

__all__ = ("ENCODERS_BY_TYPE", "decimal_encoder", "encoders_by_class_tuples", "jsonable_encoder")


def decimal_encoder(dec_value: Decimal) -> int | float:
    """Encode a ``Decimal`` as an int when it has no fractional exponent, else as a float."""
    exponent = dec_value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(dec_value)
    return float(dec_value)


def _isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


ENCODERS_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    bytes: lambda o: o.decode(),
    datetime.date: _isoformat,
    datetime.datetime: _isoformat,
    datetime.time: _isoformat,
    datetime.timedelta: lambda td: td.total_seconds(),
    Decimal: decimal_encoder,
    Enum: lambda o: o.value,
    frozenset: list,
    deque: list,
    GeneratorType: list,
    IPv4Address: str,
    IPv4Interface: str,
    IPv4Network: str,
    IPv6Address: str,
    IPv6Interface: str,
    IPv6Network: str,
    Path: str,
    Pattern: lambda o: o.pattern,
    SecretBytes: str,
    SecretStr: str,
    set: list,
    UUID: str,
    Url: str,
}


def _by_class_tuples(table: dict[type[Any], Callable[[Any], Any]]) -> dict[Callable[[Any], Any], tuple[type[Any], ...]]:
    grouped: dict[Callable[[Any], Any], tuple[type[Any], ...]] = {}
    for type_, encoder in table.items():
        grouped[encoder] = (*grouped.get(encoder, ()), type_)
    return grouped


encoders_by_class_tuples = _by_class_tuples(ENCODERS_BY_TYPE)

_PRIMITIVES = (str, int, float, type(None))
_SEQUENCES = (list, set, frozenset, GeneratorType, tuple, deque)


def _is_network_value(obj: Any) -> bool:
    """Whether ``obj`` is an ``AnyUrl`` or ``NameEmail`` (both encoded as strings).

    They exist only once ``pydantic.networks`` was imported, so importing Zephyr does not import it (and
    ``importlib.metadata`` with it).
    """
    networks = sys.modules.get("pydantic.networks")
    return networks is not None and isinstance(obj, (networks.AnyUrl, networks.NameEmail))


_COLOR_MODULES = ("pydantic.color", "pydantic_extra_types.color")


def _is_color(obj: Any) -> bool:
    """Whether ``obj`` is a Pydantic ``Color`` (the deprecated ``pydantic.color`` one or pydantic-extra-types').

    Encoded as its name or hex string, as FastAPI does; neither module is imported for the question.
    """
    for name in _COLOR_MODULES:
        module = sys.modules.get(name)
        if module is not None and isinstance(obj, module.Color):
            return True
    return False


def _as_set(value: Any) -> Any:
    """Lists and tuples of field names are accepted where FastAPI accepts them; they become sets."""
    if value is not None and not isinstance(value, (set, dict)):
        return set(value)
    return value


def jsonable_encoder(  # noqa: C901 - one dispatch over the kinds of value, kept in one place
    obj: Any,
    include: IncEx | None = None,
    exclude: IncEx | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Convert ``obj`` into data that ``json.dumps`` accepts.

    Args:
        obj: The value to convert.
        include: Fields to keep (for models, dataclasses and dicts).
        exclude: Fields to drop.
        by_alias: Use field aliases as keys for Pydantic models.
        exclude_unset: Drop model fields that were not set explicitly.
        exclude_defaults: Drop model fields equal to their defaults.
        exclude_none: Drop ``None`` values.
        custom_encoder: ``{type: function}`` overriding the built-in encoders.
        sqlalchemy_safe: Skip dict keys starting with ``_sa`` (SQLAlchemy internals).

    Returns:
        JSON-compatible data: dicts, lists, strings, numbers, booleans and ``None``.

    Raises:
        ValueError: When ``obj`` cannot be converted.
    """
    if custom_encoder:
        if type(obj) in custom_encoder:
            return custom_encoder[type(obj)](obj)
        for encoder_type, encoder in custom_encoder.items():
            if isinstance(obj, encoder_type):
                return encoder(obj)
    include = _as_set(include)
    exclude = _as_set(exclude)
    if isinstance(obj, BaseModel):
        # The dump is JSON data already (Pydantic applies the model's own encoders); like FastAPI, the
        # custom encoders do not reach into it.
        obj_dict = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        if "__root__" in obj_dict:
            obj_dict = obj_dict["__root__"]
        return jsonable_encoder(
            obj_dict,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
            sqlalchemy_safe=sqlalchemy_safe,
        )
    # The options every nested call passes on unchanged.
    options: dict[str, Any] = {
        "by_alias": by_alias,
        "exclude_unset": exclude_unset,
        "exclude_defaults": exclude_defaults,
        "exclude_none": exclude_none,
        "custom_encoder": custom_encoder,
        "sqlalchemy_safe": sqlalchemy_safe,
    }
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj), include=include, exclude=exclude, **options)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, _PRIMITIVES):
        return obj
    if isinstance(obj, PydanticUndefinedType):
        return None
    if isinstance(obj, dict):
        return _encode_dict(
            obj,
            include,
            exclude,
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
            custom_encoder,
            sqlalchemy_safe,
        )
    if isinstance(obj, _SEQUENCES):
        return [jsonable_encoder(item, include=include, exclude=exclude, **options) for item in obj]
    encoder_for_type = ENCODERS_BY_TYPE.get(type(obj))
    if encoder_for_type is not None:
        return encoder_for_type(obj)
    for encoder, classes in encoders_by_class_tuples.items():
        if isinstance(obj, classes):
            return encoder(obj)
    if _is_network_value(obj) or _is_color(obj):
        return str(obj)
    v1 = sys.modules.get("pydantic.v1")  # no v1 model can exist unless pydantic.v1 was imported
    if v1 is not None and isinstance(obj, v1.BaseModel):
        raise PydanticV1NotSupportedError(
            f"pydantic.v1 models are not supported: {obj!r} cannot be encoded. Define the model with pydantic's"
            " BaseModel (Pydantic v2)."
        )
    return jsonable_encoder(_as_data(obj), include=include, exclude=exclude, **options)


def _encode_dict(
    obj: dict[Any, Any],
    include: Any,
    exclude: Any,
    by_alias: bool,
    exclude_unset: bool,
    exclude_defaults: bool,
    exclude_none: bool,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None,
    sqlalchemy_safe: bool,
) -> dict[Any, Any]:
    allowed_keys = set(obj.keys())
    if include is not None:
        allowed_keys &= set(include)
    if exclude is not None:
        allowed_keys -= set(exclude)
    encoded: dict[Any, Any] = {}
    for key, value in obj.items():
        if (
            (not sqlalchemy_safe or not isinstance(key, str) or not key.startswith("_sa"))
            and (value is not None or not exclude_none)
            and key in allowed_keys
        ):
            encoded_key = jsonable_encoder(
                key,
                by_alias=by_alias,
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
                custom_encoder=custom_encoder,
                sqlalchemy_safe=sqlalchemy_safe,
            )
            encoded[encoded_key] = jsonable_encoder(
                value,
                by_alias=by_alias,
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
                custom_encoder=custom_encoder,
                sqlalchemy_safe=sqlalchemy_safe,
            )
    return encoded


def _as_data(obj: Any) -> Any:
    """An unknown object as a dict: ``dict(obj)``, else ``vars(obj)``, as FastAPI tries them."""
    if getattr(obj, "__zephyr_opaque__", False):  # an upload: its file is not data (FastAPI fails on it too)
        raise ValueError(
            f"Object of type {type(obj).__name__} is not JSON serializable: read its content first "
            "(await file.read()) or encode its filename."
        )
    errors: list[Exception] = []
    try:
        return dict(obj)
    except Exception as first:
        errors.append(first)
        try:
            return vars(obj)
        except Exception as second:
            errors.append(second)
            raise ValueError(
                f"Object of type {type(obj).__name__} is not JSON serializable: {errors}. "
                "Convert it first, or pass custom_encoder={Type: function}."
            ) from second

"""FastAPI's annotation predicates (``fastapi._compat.shared``): what kind of value a parameter's type declares.

Libraries written for FastAPI ask these questions of annotations (is it a sequence, a scalar, bytes, uploads?).
The answers are those Zephyr's compiler gives when it classifies parameters (``zephyr._compile.typing_utils``);
the functions only add FastAPI's names and its handling of unions.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Sequence
from typing import Any, get_args

from pydantic import VERSION as PYDANTIC_VERSION

from zephyr._compile import typing_utils as tu

__all__ = (
    "PYDANTIC_VERSION",
    "PYDANTIC_VERSION_MINOR_TUPLE",
    "annotation_is_pydantic_v1",
    "field_annotation_is_complex",
    "field_annotation_is_scalar",
    "field_annotation_is_scalar_sequence",
    "field_annotation_is_sequence",
    "is_bytes_or_nonable_bytes_annotation",
    "is_bytes_sequence_annotation",
    "is_pydantic_v1_model_class",
    "is_pydantic_v1_model_instance",
    "is_uploadfile_or_nonable_uploadfile_annotation",
    "is_uploadfile_sequence_annotation",
    "lenient_issubclass",
    "sequence_annotation_to_type",
    "sequence_types",
    "value_is_sequence",
)

#: ``(major, minor)`` of the installed Pydantic, e.g. ``(2, 12)``: compare it to skip what an older Pydantic lacks.
PYDANTIC_VERSION_MINOR_TUPLE: tuple[int, int] = (
    int(PYDANTIC_VERSION.split(".")[0]),
    int(PYDANTIC_VERSION.split(".")[1]),
)

sequence_annotation_to_type: dict[Any, type[Any]] = {
    Sequence: list,
    list: list,
    tuple: tuple,
    set: set,
    frozenset: frozenset,
    deque: deque,
}
"""A sequence annotation's origin → the concrete type a value of it is built as."""

sequence_types: tuple[type[Any], ...] = tuple(sequence_annotation_to_type)
"""The types a sequence parameter may be declared as."""

lenient_issubclass = tu.lenient_issubclass


def _union_args(annotation: Any) -> tuple[Any, ...] | None:
    """The members of a union (``Union[...]`` or ``X | Y``), else ``None``."""
    return get_args(annotation) if tu.is_union(annotation) else None


def field_annotation_is_sequence(annotation: Any) -> bool:
    """Whether ``annotation`` (or one member of a union) is a list, tuple, set, deque... but not ``str``/``bytes``."""
    return tu.is_sequence(annotation)


def field_annotation_is_complex(annotation: Any) -> bool:
    """Whether ``annotation`` is read from a body rather than a query string: models, mappings, sequences, uploads."""
    return not tu.is_scalar(annotation) and annotation is not Ellipsis


def field_annotation_is_scalar(annotation: Any) -> bool:
    """Whether ``annotation`` is one plain value (``int``, ``str``, an enum...); ``...`` counts as one."""
    return tu.is_scalar(annotation)


def field_annotation_is_scalar_sequence(annotation: Any) -> bool:
    """Whether ``annotation`` is a sequence of scalars (a union: one such sequence, the other members scalars)."""
    annotation = tu.strip_annotated(annotation)
    members = _union_args(annotation)
    if members is not None:
        if not all(field_annotation_is_scalar_sequence(arg) or tu.is_scalar(arg) for arg in members):
            return False
        return any(field_annotation_is_scalar_sequence(arg) for arg in members)
    return tu.is_sequence(annotation) and all(tu.is_scalar(arg) for arg in get_args(annotation))


def _is_or_may_be(annotation: Any, cls: type[Any]) -> bool:
    if lenient_issubclass(annotation, cls):
        return True
    members = _union_args(annotation)
    return members is not None and any(lenient_issubclass(arg, cls) for arg in members)


def is_bytes_or_nonable_bytes_annotation(annotation: Any) -> bool:
    """``bytes``, or a union with ``bytes`` among its members (``bytes | None``)."""
    return _is_or_may_be(annotation, bytes)


def is_uploadfile_or_nonable_uploadfile_annotation(annotation: Any) -> bool:
    """``UploadFile``, or a union with ``UploadFile`` among its members (``UploadFile | None``)."""
    from zephyr.datastructures import UploadFile

    return _is_or_may_be(annotation, UploadFile)


def _is_sequence_of(annotation: Any, item: Any) -> bool:
    members = _union_args(annotation)
    if members is not None:
        return any(_is_sequence_of(arg, item) for arg in members)
    return tu.is_sequence(annotation) and all(item(arg) for arg in get_args(annotation))


def is_bytes_sequence_annotation(annotation: Any) -> bool:
    """A sequence of ``bytes`` (files read whole), or a union with one among its members."""
    return _is_sequence_of(annotation, is_bytes_or_nonable_bytes_annotation)


def is_uploadfile_sequence_annotation(annotation: Any) -> bool:
    """A sequence of ``UploadFile``, or a union with one among its members."""
    return _is_sequence_of(annotation, is_uploadfile_or_nonable_uploadfile_annotation)


def value_is_sequence(value: Any) -> bool:
    """Whether ``value`` is a list, tuple, set, deque... (not a string or bytes)."""
    return isinstance(value, sequence_types) and not isinstance(value, (str, bytes))


def _pydantic_v1_base() -> type[Any] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydantic.v1 warns that it does not support this Python
            from pydantic import v1
    except ImportError:  # pragma: no cover - a Pydantic without its v1 namespace
        return None
    base: type[Any] = v1.BaseModel
    return base


def is_pydantic_v1_model_instance(obj: Any) -> bool:
    """Whether ``obj`` is an instance of a ``pydantic.v1`` model (which Zephyr, like FastAPI, refuses)."""
    base = _pydantic_v1_base()
    return base is not None and isinstance(obj, base)


def is_pydantic_v1_model_class(cls: Any) -> bool:
    """Whether ``cls`` is a ``pydantic.v1`` model class."""
    base = _pydantic_v1_base()
    return base is not None and lenient_issubclass(cls, base)


def annotation_is_pydantic_v1(annotation: Any) -> bool:
    """Whether ``annotation`` is, or holds (in a union or a sequence), a ``pydantic.v1`` model."""
    if is_pydantic_v1_model_class(annotation):
        return True
    members = _union_args(annotation)
    if members is not None and any(is_pydantic_v1_model_class(arg) for arg in members):
        return True
    return tu.is_sequence(annotation) and any(annotation_is_pydantic_v1(arg) for arg in get_args(annotation))

"""``zephyr._compat.shared``: FastAPI's annotation predicates give FastAPI's answers."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Annotated, Any, Optional, Union

import pytest
from pydantic import BaseModel

from zephyr._compat import shared
from zephyr.datastructures import UploadFile


class Item(BaseModel):
    name: str


def _annotations(upload: type[Any]) -> list[Any]:
    """The table, with the UploadFile class of the side under test."""
    return [
        int,
        str,
        bytes,
        Item,
        list[int],
        list[str] | list[bytes],
        list[bytes],
        Optional[list[bytes]],
        list[bytes | None],
        tuple[int, ...],
        set[str],
        frozenset[int],
        deque[int],
        Sequence[int],
        list[Item],
        dict[str, int],
        int | None,
        list[int] | None,
        list[int] | int,
        list[int] | Item,
        Union[None, list[str]],
        Annotated[list[int], "meta"],
        upload,
        upload | None,
        list[upload],  # type: ignore[valid-type]
        list[str] | list[upload],  # type: ignore[valid-type]
        list[upload | None],  # type: ignore[valid-type]
        bytes | None,
        Any,
    ]


PREDICATES = (
    "field_annotation_is_sequence",
    "field_annotation_is_complex",
    "field_annotation_is_scalar",
    "field_annotation_is_scalar_sequence",
    "is_bytes_or_nonable_bytes_annotation",
    "is_uploadfile_or_nonable_uploadfile_annotation",
    "is_bytes_sequence_annotation",
    "is_uploadfile_sequence_annotation",
    "annotation_is_pydantic_v1",
)


def test_sequence_predicates_see_into_unions() -> None:
    assert shared.is_bytes_sequence_annotation(list[str] | list[bytes])
    assert shared.is_uploadfile_sequence_annotation(list[str] | list[UploadFile])
    assert not shared.is_bytes_sequence_annotation(list[str] | None)
    assert shared.field_annotation_is_scalar_sequence(list[int] | None)
    assert not shared.field_annotation_is_scalar_sequence(int | None)
    assert not shared.field_annotation_is_scalar_sequence(list[int] | Item)


def test_value_is_sequence_excludes_text() -> None:
    assert shared.value_is_sequence([1]) and shared.value_is_sequence((1,)) and shared.value_is_sequence({1})
    assert not shared.value_is_sequence("ab") and not shared.value_is_sequence(b"ab")


def test_pydantic_v1_models_are_recognised() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

        class Old(v1.BaseModel):
            name: str

    assert shared.is_pydantic_v1_model_class(Old) and shared.annotation_is_pydantic_v1(list[Old])
    assert shared.annotation_is_pydantic_v1(Old | None)
    assert shared.is_pydantic_v1_model_instance(Old(name="a"))
    assert not shared.is_pydantic_v1_model_instance(Item(name="a")) and not shared.annotation_is_pydantic_v1(Item)


@pytest.mark.current_reference
@pytest.mark.parametrize("predicate", PREDICATES)
def test_predicates_answer_as_fastapis(predicate: str) -> None:
    import fastapi
    from fastapi._compat import shared as reference

    ours = [getattr(shared, predicate)(annotation) for annotation in _annotations(UploadFile)]
    theirs = [getattr(reference, predicate)(annotation) for annotation in _annotations(fastapi.UploadFile)]
    assert ours == theirs


@pytest.mark.current_reference
def test_constants_are_fastapis() -> None:
    from fastapi._compat import shared as reference

    assert shared.sequence_types == reference.sequence_types
    assert shared.sequence_annotation_to_type == reference.sequence_annotation_to_type
    assert shared.PYDANTIC_VERSION_MINOR_TUPLE == reference.PYDANTIC_VERSION_MINOR_TUPLE

"""``zephyr.types``: the aliases FastAPI's ``fastapi.types`` offers, usable where libraries use them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_origin

import pytest

from zephyr.dependencies.utils import get_dependant
from zephyr.types import DependencyCacheKey, ModelNameMap, UnionType


def get_db() -> None: ...


def test_a_dependants_cache_key_is_a_dependency_cache_key() -> None:
    alias: object = DependencyCacheKey
    assert alias == tuple[Callable[..., Any] | None, tuple[str, ...], str]
    key: DependencyCacheKey = get_dependant(path="/", call=get_db).cache_key
    assert key == (get_db, (), "")
    assert type(int | str) is UnionType
    assert get_origin(ModelNameMap) is dict


@pytest.mark.current_reference
def test_the_aliases_are_fastapis() -> None:
    import fastapi.types

    ours: tuple[object, ...] = (DependencyCacheKey, ModelNameMap)
    assert ours == (fastapi.types.DependencyCacheKey, fastapi.types.ModelNameMap)
    assert UnionType is fastapi.types.UnionType

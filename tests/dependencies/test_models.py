"""``zephyr.dependencies.models``: the ``Dependant`` with FastAPI's field names, and FastAPI's helpers over it."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import pytest

from zephyr import FastAPI, Security
from zephyr.dependencies import models
from zephyr.dependencies.models import Dependant
from zephyr.dependencies.utils import get_dependant
from zephyr.security import APIKeyHeader, OAuth2PasswordBearer, SecurityScopes
from zephyr.testclient import TestClient


def plain() -> None:
    pass


async def coroutine() -> None:
    pass


def generator() -> Generator[None, None, None]:
    yield


async def async_generator() -> AsyncGenerator[None, None]:
    yield


class Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __call__(self) -> Generator[None, None, None]:
        yield


def test_dependant_takes_fastapis_field_names_and_has_no_instance_dict() -> None:
    child = Dependant(call=plain)
    dependant = Dependant(
        call=coroutine,
        dependencies=[child],
        own_oauth_scopes=["write"],
        parent_oauth_scopes=["read"],
        scope="function",
        security_scopes_param_name="scopes",
    )
    assert dependant.dependencies == [child]
    assert dependant.oauth_scopes == ["read", "write"]
    assert not hasattr(dependant, "__dict__")
    with pytest.raises(AttributeError):
        dependant.not_a_field = 1  # type: ignore[attr-defined]


def test_compiled_dependants_carry_fastapis_names() -> None:
    oauth2 = OAuth2PasswordBearer(tokenUrl="token")

    def user(scopes: SecurityScopes, token: str = Security(oauth2, scopes=["me"])) -> str:
        return token

    def endpoint(u: str = Security(user, scopes=["items"])) -> str:
        return u

    root = get_dependant(path="/", call=endpoint)
    user_dependant = root.dependencies[0]
    scheme = user_dependant.dependencies[0]
    assert (user_dependant.own_oauth_scopes, user_dependant.parent_oauth_scopes) == (["items"], [])
    assert user_dependant.security_scopes_param_name == "scopes"
    assert (scheme.own_oauth_scopes, scheme.parent_oauth_scopes) == (["me"], ["items"])
    assert models._get_oauth_scopes(dependant=scheme) == ["items", "me"]
    assert models._is_security_scheme(dependant=scheme)
    assert models._get_security_scheme(dependant=scheme) is oauth2
    assert models._get_cache_key(dependant=scheme) == scheme.cache_key == (oauth2, ("items", "me"), "")


def test_security_scopes_receive_each_scope_once_in_declaration_order() -> None:
    def read_scopes(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def middle(scopes: list[str] = Security(read_scopes, scopes=["b", "a"])) -> list[str]:
        return scopes

    app = FastAPI()

    @app.get("/")
    def endpoint(scopes: list[str] = Security(middle, scopes=["a", "c"])) -> list[str]:
        return scopes

    assert TestClient(app).get("/").json() == ["a", "c", "b"]


def test_uses_scopes_follows_the_tree_and_remembers_answers() -> None:
    leaf = Dependant(call=plain)
    root = Dependant(call=plain, dependencies=[leaf])
    cache: dict[int, tuple[Dependant, bool]] = {}
    assert not models._uses_scopes(dependant=root, cache=cache)
    assert cache[id(leaf)] == (leaf, False)
    leaf.security_scopes_param_name = "scopes"
    assert not models._uses_scopes(dependant=root, cache=cache)  # remembered
    assert models._uses_scopes(dependant=root)
    assert models._uses_scopes(dependant=Dependant(call=APIKeyHeader(name="key")))


def test_cache_key_sorts_scopes_only_when_they_are_used() -> None:
    dependant = Dependant(call=plain, parent_oauth_scopes=["z", "a", "z"])
    assert models._get_cache_key(dependant=dependant) == (plain, (), "")
    dependant.own_oauth_scopes = ["m"]
    assert models._get_cache_key(dependant=dependant) == (plain, ("a", "m", "z"), "")


@pytest.mark.parametrize(
    ("call", "expected"),
    [(plain, None), (coroutine, None), (generator, "request"), (async_generator, "request"), (Unhashable(), "request")],
)
def test_computed_scope_is_request_for_yield_dependencies(call: Callable[..., Any], expected: str | None) -> None:
    assert models._get_computed_scope(dependant=Dependant(call=call)) == expected
    assert models._get_computed_scope(dependant=Dependant(call=call, scope="function")) == "function"


def test_get_security_scheme_refuses_what_is_not_one() -> None:
    with pytest.raises(TypeError, match="not a security scheme"):
        models._get_security_scheme(dependant=Dependant(call=plain))


def test_security_scheme_is_seen_through_partial() -> None:
    scheme = APIKeyHeader(name="key")
    assert models._is_security_scheme(dependant=Dependant(call=functools.partial(scheme)))
    assert not models._is_security_scheme(dependant=Dependant())


@pytest.mark.parametrize(
    ("call", "gen", "async_gen", "coro"),
    [
        (plain, False, False, False),
        (coroutine, False, False, True),
        (generator, True, False, False),
        (async_generator, False, True, False),
        (functools.partial(coroutine), False, False, True),
        (Unhashable(), True, False, False),
        (None, False, False, False),
    ],
)
def test_callable_classifiers(call: Any, gen: bool, async_gen: bool, coro: bool) -> None:
    assert models._is_gen_callable(call) is gen
    assert models._is_async_gen_callable(call) is async_gen
    assert models._is_coroutine_callable(call) is coro


def test_classifier_caches_are_bounded_and_keyed_by_identity() -> None:
    class Same:
        def __eq__(self, other: object) -> bool:
            return isinstance(other, Same)

        def __hash__(self) -> int:
            return 1

    class AsyncSame(Same):
        async def __call__(self) -> None:
            pass

    class SyncSame(Same):
        def __call__(self) -> None:
            pass

    models._is_coroutine_callable_cached.cache_clear()
    assert models._is_coroutine_callable(AsyncSame())
    assert not models._is_coroutine_callable(SyncSame())
    info = models._is_coroutine_callable_cached.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (0, 2, 4096)
    models._is_coroutine_callable_cached.cache_clear()


@pytest.mark.current_reference
def test_helpers_answer_as_fastapis() -> None:
    from fastapi.dependencies import models as reference

    scheme = APIKeyHeader(name="key")
    for kwargs in (
        {"call": plain},
        {"call": generator, "parent_oauth_scopes": ["b", "a"], "own_oauth_scopes": ["a", "c"]},
        {"call": coroutine, "own_oauth_scopes": ["x"], "scope": "function"},
    ):
        ours, theirs = Dependant(**kwargs), reference.Dependant(**kwargs)
        assert models._get_oauth_scopes(dependant=ours) == reference._get_oauth_scopes(dependant=theirs)
        assert models._uses_scopes(dependant=ours) == reference._uses_scopes(dependant=theirs)
        assert models._get_computed_scope(dependant=ours) == reference._get_computed_scope(dependant=theirs)
        assert models._get_cache_key(dependant=ours) == reference._get_cache_key(dependant=theirs)
    assert models._uses_scopes(dependant=Dependant(dependencies=[Dependant(call=scheme)]))

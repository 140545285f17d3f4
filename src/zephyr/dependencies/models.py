"""``Dependant``: an endpoint or dependency analysed into what it reads and what it depends on (FastAPI's path).

The class is Zephyr's compiled one, with FastAPI's field names (``call``, ``dependencies``, ``own_oauth_scopes``,
``parent_oauth_scopes``, ``security_scopes_param_name``...). The private helpers below are the functions FastAPI
derives a dependant's values with; libraries and FastAPI's own tests call them. Zephyr's compiler works the same
values out once per dependant at registration (``Dependant.cache_key``, ``computed_scope``, ``uses_scopes``) and
does not use these helpers, so their module-level caches only fill when outside code calls them.

Example:
    >>> def get_db() -> None: ...
    >>> _get_cache_key(dependant=Dependant(call=get_db))  # doctest: +ELLIPSIS
    (<function get_db at ...>, (), '')
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from zephyr._compile import typing_utils as tu
from zephyr._compile.dependant import Dependant as Dependant
from zephyr._compile.dependant import ParamField as ParamField
from zephyr._compile.dependant import security_scheme

__all__ = (
    "Dependant",
    "ParamField",
    "_get_cache_key",
    "_get_computed_scope",
    "_get_oauth_scopes",
    "_get_security_scheme",
    "_is_async_gen_callable",
    "_is_async_gen_callable_cached",
    "_is_coroutine_callable",
    "_is_coroutine_callable_cached",
    "_is_gen_callable",
    "_is_gen_callable_cached",
    "_is_security_scheme",
    "_uses_scopes",
)

_CLASSIFICATION_CACHE_SIZE = 4096
"""How many callables each classifier remembers (FastAPI's size: apps with thousands of dependencies fit)."""

_UsesScopesCache = dict[int, tuple[Dependant, bool]]
"""``id(dependant)`` → (the dependant, whether it uses scopes); the dependant is kept so a reused id is detected."""


class _CallIdentity:
    """A callable as a cache key by identity: unhashable callables fit, and equal instances are not confused."""

    __slots__ = ("call",)

    def __init__(self, call: Callable[..., Any]) -> None:
        self.call = call

    def __hash__(self) -> int:
        return id(self.call)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _CallIdentity) and other.call is self.call


@functools.lru_cache(maxsize=_CLASSIFICATION_CACHE_SIZE)
def _is_gen_callable_cached(identity: _CallIdentity) -> bool:
    return tu.is_gen_callable(identity.call)


@functools.lru_cache(maxsize=_CLASSIFICATION_CACHE_SIZE)
def _is_async_gen_callable_cached(identity: _CallIdentity) -> bool:
    return tu.is_async_gen_callable(identity.call)


@functools.lru_cache(maxsize=_CLASSIFICATION_CACHE_SIZE)
def _is_coroutine_callable_cached(identity: _CallIdentity) -> bool:
    return tu.is_coroutine_callable(identity.call)


def _is_gen_callable(call: Callable[..., Any] | None) -> bool:
    """Whether ``call`` is a generator dependency (through partials, ``functools.wraps`` and ``__call__``)."""
    return call is not None and _is_gen_callable_cached(_CallIdentity(call))


def _is_async_gen_callable(call: Callable[..., Any] | None) -> bool:
    """Whether ``call`` is an async generator dependency (through partials, ``functools.wraps`` and ``__call__``)."""
    return call is not None and _is_async_gen_callable_cached(_CallIdentity(call))


def _is_coroutine_callable(call: Callable[..., Any] | None) -> bool:
    """Whether calling ``call`` gives an awaitable (else FastAPI runs it in a worker thread)."""
    return call is not None and _is_coroutine_callable_cached(_CallIdentity(call))


def _get_oauth_scopes(*, dependant: Dependant) -> list[str]:
    """The scopes ``SecurityScopes`` receives: the parents', then the dependant's own not already among them."""
    return dependant.oauth_scopes


def _is_security_scheme(*, dependant: Dependant) -> bool:
    """Whether the dependant's call is a security scheme (``OAuth2PasswordBearer(...)``, ``APIKeyHeader(...)``)."""
    return security_scheme(dependant.call) is not None


def _get_security_scheme(*, dependant: Dependant) -> Any:
    """The security scheme the dependant's call is.

    Raises:
        TypeError: The call is not a security scheme (check with ``_is_security_scheme`` first).
    """
    scheme = security_scheme(dependant.call)
    if scheme is None:
        raise TypeError(f"{dependant.call!r} is not a security scheme (a SecurityBase instance such as APIKeyHeader).")
    return scheme


def _uses_scopes(*, dependant: Dependant, cache: _UsesScopesCache | None = None) -> bool:
    """Whether the dependant or one below it declares scopes, reads ``SecurityScopes`` or is a security scheme.

    ``cache`` (kept by the caller across calls) remembers the answer per dependant.
    """
    if cache is None:
        cache = {}
    found = cache.get(id(dependant))
    if found is not None and found[0] is dependant:
        return found[1]
    result = bool(
        dependant.own_oauth_scopes
        or dependant.security_scopes_param_name is not None
        or _is_security_scheme(dependant=dependant)
        or any(_uses_scopes(dependant=sub, cache=cache) for sub in dependant.dependencies)
    )
    cache[id(dependant)] = (dependant, result)
    return result


def _get_computed_scope(*, dependant: Dependant) -> str | None:
    """The declared scope, else ``"request"`` for a ``yield`` dependency, else ``None``."""
    if dependant.scope:
        return dependant.scope
    if _is_gen_callable(dependant.call) or _is_async_gen_callable(dependant.call):
        return "request"
    return None


def _get_cache_key(
    *, dependant: Dependant, uses_scopes_cache: _UsesScopesCache | None = None
) -> tuple[Any, tuple[str, ...], str]:
    """What makes two uses of a dependency share one result per request: call, scopes (when used), scope."""
    uses = _uses_scopes(dependant=dependant, cache=uses_scopes_cache)
    scopes = tuple(sorted(set(_get_oauth_scopes(dependant=dependant)))) if uses else ()
    return (dependant.call, scopes, _get_computed_scope(dependant=dependant) or "")

"""The route table: static paths in a dict, dynamic ones bucketed by their first segment.

Routes are matched in the order they were added, as in FastAPI (a ``/users/{id}`` declared before ``/users/me``
wins). The table keeps that order while avoiding a scan over every route:

- a request path that equals a static route path is answered from a dict whose value is the precomputed,
  ordered list of every route (static or dynamic) matching that exact path;
- any other path is tested only against the dynamic routes whose first segment is that path's first segment,
  plus the few whose first segment is itself dynamic.

Building the table is linear in the routes: a static path is tested only against the dynamic routes that could
match it, those whose literal leading segments it starts with and whose ``/`` count it has (a ``:path`` part or a
mount matches any count). An app of 10,000 routes builds its table in milliseconds.

The parameter dicts the table hands out are shared between requests: read them, and copy the one you keep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from zephyr._routing.paths import CompiledPath

__all__ = ("Matchable", "RouteTable")

_Shape = tuple[tuple[str, ...], int | None]


class Matchable(Protocol):
    """What the table needs from a route: its compiled path, and a matcher (which may refine the compiled one)."""

    compiled: CompiledPath

    def match_path(self, path: str) -> dict[str, Any] | None: ...


R = TypeVar("R", bound=Matchable)


def _segments(path: str) -> list[str]:
    return (path[1:] if path.startswith("/") else path).split("/")


def _first_segment(path: str) -> str:
    return path[1:].split("/", 1)[0] if path.startswith("/") else path.split("/", 1)[0]


def _scan(
    path: str, own: list[int], routes: list[R], shapes: dict[_Shape, list[int]]
) -> list[tuple[R, dict[str, Any]]]:
    """Every route matching the static ``path``, in order, testing only the dynamic routes of a fitting shape."""
    segments = _segments(path)
    slashes = path.count("/")
    candidates = list(own)
    for length in range(len(segments) + 1):
        prefix = tuple(segments[:length])
        candidates += shapes.get((prefix, slashes), ())
        candidates += shapes.get((prefix, None), ())
    candidates.sort()
    found: list[tuple[R, dict[str, Any]]] = []
    for index in candidates:
        params = routes[index].match_path(path)
        if params is not None:
            found.append((routes[index], params))
    return found


class RouteTable(Generic[R]):
    """Ordered routes, indexed so a lookup costs about the same with 10 routes or 10,000."""

    __slots__ = ("_buckets", "_cache", "_pools", "_static", "_wild")

    CACHE_SIZE = 1024
    """How many dynamic paths' matches are remembered (per table, so per app; cleared when full)."""

    CACHED_PATH_LENGTH = 256
    """Longer paths are matched every time, never remembered."""

    def __init__(self, routes: Sequence[R]) -> None:
        ordered = list(routes)
        static: dict[str, list[int]] = {}
        shapes: dict[_Shape, list[int]] = {}
        self._buckets: dict[str, list[tuple[int, R]]] = {}
        self._wild: list[tuple[int, R]] = []
        for index, route in enumerate(ordered):
            compiled = route.compiled
            if compiled.is_static:
                static.setdefault(compiled.path, []).append(index)
                continue
            prefix = compiled.prefix
            shapes.setdefault((prefix, compiled.slashes), []).append(index)
            if prefix:
                self._buckets.setdefault(prefix[0], []).append((index, route))
            else:
                self._wild.append((index, route))
        self._static = {path: _scan(path, own, ordered, shapes) for path, own in static.items()}
        # A bucket merged with the wildcard routes, in declaration order: built on the first request that needs it.
        self._pools: dict[str, list[tuple[int, R]]] = {}
        # Dynamic paths repeat (the same /users/42 polled, the same /static/app.js): remember the matches of recent
        # ones. Bounded and per instance, so it neither grows without limit nor keeps other apps alive.
        self._cache: dict[str, list[tuple[R, dict[str, Any]]]] = {}

    def _pool(self, segment: str) -> list[tuple[int, R]]:
        pool = self._pools.get(segment)
        if pool is None:
            bucket = self._buckets.get(segment)
            if bucket is None:
                return self._wild
            pool = self._pools[segment] = sorted(bucket + self._wild, key=lambda pair: pair[0])
        return pool

    def matches(self, path: str) -> list[tuple[R, dict[str, Any]]]:
        """Every route matching ``path``, in declaration order, with its path parameters (shared: copy to keep)."""
        static = self._static.get(path)
        if static is not None:
            return static
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        found: list[tuple[R, dict[str, Any]]] = []
        for _, route in self._pool(_first_segment(path)):
            params = route.match_path(path)
            if params is not None:
                found.append((route, params))
        if len(path) <= self.CACHED_PATH_LENGTH:  # long (hostile) paths are not worth remembering
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[path] = found
        return found

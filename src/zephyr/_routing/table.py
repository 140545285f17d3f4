"""The route table: static paths in a dict, dynamic ones bucketed by their first segment.

Routes are matched in the order they were added, as in FastAPI (a ``/users/{id}`` declared before ``/users/me``
wins). The table keeps that order while avoiding a scan over every route:

- a request path that equals a static route path is answered from a dict whose value is the precomputed,
  ordered list of every route (static or dynamic) matching that exact path;
- any other path is tested only against the dynamic routes whose first segment is that path's first segment,
  plus the few whose first segment is itself dynamic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Matchable(Protocol):
    """What the table needs from a route."""

    def match_path(self, path: str) -> dict[str, Any] | None: ...

    @property
    def static_path(self) -> str | None: ...

    @property
    def first_segment(self) -> str | None: ...


def _first_segment(path: str) -> str:
    return path[1:].split("/", 1)[0] if path.startswith("/") else path.split("/", 1)[0]


class RouteTable:
    """Ordered routes, indexed so a lookup costs about the same with 10 routes or 10,000."""

    __slots__ = ("_cache", "_dynamic", "_routes", "_static", "_wild")

    CACHE_SIZE = 1024
    """How many dynamic paths' matches are remembered (per table, so per app; cleared when full)."""

    CACHED_PATH_LENGTH = 256
    """Longer paths are matched every time, never remembered."""

    def __init__(self, routes: Sequence[Matchable]) -> None:
        self._routes = list(routes)
        self._static: dict[str, list[tuple[Matchable, dict[str, Any]]]] = {}
        self._dynamic: dict[str, list[tuple[int, Matchable]]] = {}
        self._wild: list[tuple[int, Matchable]] = []
        # Dynamic paths repeat (the same /users/42 polled, the same /static/app.js): remember the matches of recent
        # ones. Bounded and per instance, so it neither grows without limit nor keeps other apps alive.
        self._cache: dict[str, list[tuple[Matchable, dict[str, Any]]]] = {}
        for index, route in enumerate(self._routes):
            if route.static_path is not None:
                self._static.setdefault(route.static_path, [])
                continue
            segment = route.first_segment
            if segment is None:
                self._wild.append((index, route))
            else:
                self._dynamic.setdefault(segment, []).append((index, route))
        for path in self._static:
            self._static[path] = self._scan(path, self._routes)
        for segment, bucket in self._dynamic.items():
            self._dynamic[segment] = sorted(bucket + self._wild, key=lambda pair: pair[0])

    @staticmethod
    def _scan(path: str, routes: Sequence[Matchable]) -> list[tuple[Matchable, dict[str, Any]]]:
        found: list[tuple[Matchable, dict[str, Any]]] = []
        for route in routes:
            params = route.match_path(path)
            if params is not None:
                found.append((route, params))
        return found

    def matches(self, path: str) -> list[tuple[Matchable, dict[str, Any]]]:
        """Every route matching ``path``, in declaration order, with its path parameters."""
        static = self._static.get(path)
        if static is not None:
            return static
        cached = self._cache.get(path)
        if cached is not None:
            return [(route, dict(params)) for route, params in cached]
        pool = self._dynamic.get(_first_segment(path), self._wild)
        found: list[tuple[Matchable, dict[str, Any]]] = []
        for _, route in pool:
            params = route.match_path(path)
            if params is not None:
                found.append((route, params))
        if len(path) <= self.CACHED_PATH_LENGTH:  # long (hostile) paths are not worth remembering
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[path] = [(route, dict(params)) for route, params in found]
        return found

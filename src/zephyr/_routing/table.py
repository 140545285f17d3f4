"""The route table: static paths in a dict, dynamic ones in a tree of their literal leading segments.

Routes are matched in the order they were added, as in FastAPI (a ``/users/{id}`` declared before ``/users/me``
wins). The table keeps that order while avoiding a scan over every route:

- a request path that equals a static route path is answered from a dict whose value is the precomputed,
  ordered list of every route (static or dynamic) matching that exact path;
- any other path is tested only against the dynamic routes that could match it: those whose literal leading
  segments (``/api/v1/users`` of ``/api/v1/users/{id}``) the path starts with and whose ``/`` count it has (a
  ``:path`` part or a mount matches any count). Walking the tree costs one dict lookup per segment of the path.

Building the table is linear in the routes (each static path is resolved by the same walk), so an app of 10,000
routes builds it in milliseconds; a path's regex is compiled only when a request (or a static path) could match it.

The parameter dicts the table hands out are shared between requests: read them, and copy the one you keep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from zephyr._routing.paths import CompiledPath

__all__ = ("Matchable", "RouteTable")


class Matchable(Protocol):
    """What the table needs from a route: its compiled path, and a matcher (which may refine the compiled one)."""

    compiled: CompiledPath

    def match_path(self, path: str) -> dict[str, Any] | None: ...


R = TypeVar("R", bound=Matchable)


def _segments(path: str) -> list[str]:
    return (path[1:] if path.startswith("/") else path).split("/")


class _Node(Generic[R]):
    """The dynamic routes whose literal leading segments are this node's path in the tree."""

    __slots__ = ("any_count", "by_count", "children")

    def __init__(self) -> None:
        self.children: dict[str, _Node[R]] = {}
        self.by_count: dict[int, list[tuple[int, R]]] = {}  # by the '/' count of the paths they match
        self.any_count: list[tuple[int, R]] = []  # a ``:path`` part or a mount: any '/' count


def _candidates(root: _Node[R], path: str) -> list[tuple[int, R]]:
    """The dynamic routes that could match ``path``, in declaration order."""
    slashes = path.count("/")
    segments = _segments(path)
    found: list[tuple[int, R]] = []
    sources = 0
    node = root
    depth = 0
    while True:
        for group in (node.by_count.get(slashes), node.any_count):
            if group:
                found += group
                sources += 1
        if depth == len(segments):
            break
        child = node.children.get(segments[depth])
        if child is None:
            break
        node = child
        depth += 1
    if sources > 1:
        found.sort(key=_index)
    return found


def _index(pair: tuple[int, Any]) -> int:
    return int(pair[0])


class RouteTable(Generic[R]):
    """Ordered routes, indexed so a lookup costs about the same with 10 routes or 10,000."""

    __slots__ = ("_cache", "_root", "_static", "routes")

    CACHE_SIZE = 1024
    """How many dynamic paths' matches are remembered (per table, so per app; cleared when full)."""

    CACHED_PATH_LENGTH = 256
    """Longer paths are matched every time, never remembered."""

    def __init__(self, routes: Sequence[R]) -> None:
        self.routes = tuple(routes)
        """The routes, in matching order."""
        static: dict[str, list[tuple[int, R]]] = {}
        self._root: _Node[R] = _Node()
        for index, route in enumerate(self.routes):
            compiled = route.compiled
            if compiled.is_static:
                static.setdefault(compiled.path, []).append((index, route))
                continue
            node = self._root
            for segment in compiled.prefix:
                node = node.children.setdefault(segment, _Node())
            if compiled.slashes is None:
                node.any_count.append((index, route))
            else:
                node.by_count.setdefault(compiled.slashes, []).append((index, route))
        self._static = {path: self._match(path, own) for path, own in static.items()}
        # Dynamic paths repeat (the same /users/42 polled, the same /static/app.js): remember the matches of recent
        # ones. Bounded and per instance, so it neither grows without limit nor keeps other apps alive.
        self._cache: dict[str, list[tuple[R, dict[str, Any]]]] = {}

    def _match(self, path: str, own: list[tuple[int, R]]) -> list[tuple[R, dict[str, Any]]]:
        candidates = _candidates(self._root, path)
        if own:
            candidates = sorted(own + candidates, key=_index) if candidates else own
        found: list[tuple[R, dict[str, Any]]] = []
        for _, route in candidates:
            params = route.match_path(path)
            if params is not None:
                found.append((route, params))
        return found

    def matches(self, path: str) -> list[tuple[R, dict[str, Any]]]:
        """Every route matching ``path``, in declaration order, with its path parameters (shared: copy to keep)."""
        static = self._static.get(path)
        if static is not None:
            return static
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        found = self._match(path, [])
        if len(path) <= self.CACHED_PATH_LENGTH:  # long (hostile) paths are not worth remembering
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.clear()
            self._cache[path] = found
        return found

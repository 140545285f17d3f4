"""Which low-priority route answers (FastAPI 0.165's ``router._low_priority_routes``, where frontends sit).

Pure path logic, decided when the route table is built: frontends match whole leading segments of the path, and
among the frontends that fit a request the one with the longest path answers.
"""

from __future__ import annotations

from typing import Any

__all__ = ("frontend_path_of", "join_frontend_paths", "order_low_priority", "specificity")


def join_frontend_paths(prefix: str, path: str) -> str:
    """``path`` (a frontend's, normalized) under ``prefix`` (a router's or an inclusion's): ``/`` adds nothing."""
    if not prefix:
        return path
    return prefix if path == "/" else prefix + path


def specificity(path: str) -> int:
    """How specific a frontend's path is: its length (the root's is 0)."""
    return 0 if path in ("/", "") else len(path)


def frontend_path_of(path: str, routed: str) -> str | None:
    """The part of ``routed`` (a request's path) the frontend at ``path`` serves, or ``None`` when it is not under it.

    The frontend's path matches whole segments: ``/app`` serves ``/app`` and ``/app/x``, never ``/application``.
    """
    if path == "/":
        return routed.lstrip("/")
    if routed == path:
        return ""
    if routed.startswith(path + "/"):
        return routed[len(path) + 1 :]
    return None


def order_low_priority(routes: list[Any]) -> list[Any]:
    """The low-priority routes in the order the route table tries them: the first that fits answers.

    FastAPI takes the first low-priority route that fits, except that a frontend that fits gives way to any other
    frontend that fits with a longer path. A frontend at ``/admin`` fits only where the one at ``/`` does too, so
    putting it right before that one (longest first) gives FastAPI's answer without asking it per request; a route
    between them still wins over the frontend at ``/admin`` where the one at ``/`` does not fit.
    """
    keys: list[tuple[int, int, int]] = []
    frontends: list[tuple[int, str]] = []
    for index, route in enumerate(routes):
        if not getattr(route, "is_fallback", False):
            keys.append((index, 0, index))
            continue
        path = getattr(route, "path", "") or "/"
        place = index
        for earlier, earlier_path in frontends:
            if earlier_path != path and frontend_path_of(earlier_path, path) is not None:
                place = min(place, earlier)
        frontends.append((index, path))
        keys.append((place, -specificity(path), index))
    return [routes[i] for i in sorted(range(len(routes)), key=keys.__getitem__)]

"""The pure path logic of low-priority routes and frontends (``zephyr._routing.low_priority``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from zephyr._routing.low_priority import frontend_path_of, join_frontend_paths, order_low_priority, specificity


@pytest.mark.parametrize(
    ("path", "routed", "served"),
    [
        ("/", "/", ""),
        ("/", "/a/b", "a/b"),
        ("/app", "/app", ""),
        ("/app", "/app/", ""),
        ("/app", "/app/x/y", "x/y"),
        ("/app", "/application", None),
        ("/app", "/ap", None),
        ("/app", "/", None),
    ],
)
def test_frontend_path_of_matches_whole_segments(path: str, routed: str, served: str | None) -> None:
    assert frontend_path_of(path, routed) == served


@pytest.mark.parametrize(
    ("prefix", "path", "joined"),
    [("", "/", "/"), ("", "/ui", "/ui"), ("/app", "/", "/app"), ("/app", "/ui", "/app/ui")],
)
def test_join_frontend_paths_adds_nothing_for_the_root(prefix: str, path: str, joined: str) -> None:
    assert join_frontend_paths(prefix, path) == joined


def test_specificity_is_the_path_length_and_zero_at_the_root() -> None:
    assert (specificity("/"), specificity(""), specificity("/admin")) == (0, 0, 6)


def _frontend(path: str) -> Any:
    return SimpleNamespace(path=path, is_fallback=True, label=f"frontend {path}")


def _route(label: str) -> Any:
    return SimpleNamespace(path="/{name}", label=label)


def _labels(routes: list[Any]) -> list[str]:
    return [route.label for route in order_low_priority(routes)]


def test_a_longer_frontend_moves_before_the_frontend_it_lies_under() -> None:
    routes = [_route("first"), _frontend(""), _route("between"), _frontend("/admin"), _frontend("/admin/deep")]
    assert _labels(routes) == ["first", "frontend /admin/deep", "frontend /admin", "frontend ", "between"]


def test_a_frontend_outside_an_earlier_one_keeps_its_place() -> None:
    routes = [_frontend("/site"), _route("between"), _frontend("/admin"), _frontend("/site/docs")]
    assert _labels(routes) == ["frontend /site/docs", "frontend /site", "between", "frontend /admin"]


def test_frontends_at_the_same_path_keep_their_order() -> None:
    first, second = _frontend("/app"), _frontend("/app")
    first.label, second.label = "first", "second"
    assert _labels([first, _route("between"), second]) == ["first", "between", "second"]

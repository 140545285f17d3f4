from __future__ import annotations

from typing import Any

from zephyr._routing.paths import compile_path
from zephyr._routing.table import RouteTable


class FakeRoute:
    def __init__(self, path: str) -> None:
        self.compiled = compile_path(path)
        self.path = path

    def match_path(self, path: str) -> dict[str, Any] | None:
        return self.compiled.match(path)


def test_declaration_order_wins_between_static_and_dynamic_routes() -> None:
    dynamic, static = FakeRoute("/users/{user_id}"), FakeRoute("/users/me")
    table = RouteTable([dynamic, static])
    assert [route for route, _ in table.matches("/users/me")] == [dynamic, static]
    table = RouteTable([static, dynamic])
    assert [route for route, _ in table.matches("/users/me")] == [static, dynamic]


def test_wildcard_first_segment_routes_are_ordered_with_the_bucket() -> None:
    first, second, third = FakeRoute("/a/{x}"), FakeRoute("/{anything}/{x}"), FakeRoute("/a/{y:int}")
    table = RouteTable([first, second, third])
    assert [route for route, _ in table.matches("/a/5")] == [first, second, third]
    assert [route for route, _ in table.matches("/b/5")] == [second]


def test_path_params_are_converted() -> None:
    table = RouteTable([FakeRoute("/files/{name:path}"), FakeRoute("/n/{i:int}/{f:float}")])
    assert table.matches("/files/a/b.txt")[0][1] == {"name": "a/b.txt"}
    assert table.matches("/n/3/2.5")[0][1] == {"i": 3, "f": 2.5}
    assert table.matches("/n/x/2.5") == []


def test_a_repeated_dynamic_path_is_answered_from_the_cache() -> None:
    table = RouteTable([FakeRoute("/users/{user_id}")])
    first = table.matches("/users/7")
    assert first == [(table.matches("/users/7")[0][0], {"user_id": "7"})]
    assert table.matches("/users/7") is first  # shared: the router copies the parameters it keeps


def test_the_match_cache_is_bounded() -> None:
    table = RouteTable([FakeRoute("/users/{user_id}")])
    for index in range(RouteTable.CACHE_SIZE * 2 + 5):
        assert table.matches(f"/users/{index}")[0][1] == {"user_id": str(index)}
    assert len(table._cache) <= RouteTable.CACHE_SIZE


def test_many_routes_only_the_bucket_is_scanned() -> None:
    routes = [FakeRoute(f"/r{index}/{{x}}") for index in range(200)]
    table = RouteTable(routes)
    calls = 0
    original = FakeRoute.match_path

    def counting(self: FakeRoute, path: str) -> dict[str, Any] | None:
        nonlocal calls
        calls += 1
        return original(self, path)

    FakeRoute.match_path = counting  # type: ignore[method-assign]
    try:
        assert table.matches("/r199/abc")[0][0] is routes[199]
    finally:
        FakeRoute.match_path = original  # type: ignore[method-assign]
    assert calls == 1

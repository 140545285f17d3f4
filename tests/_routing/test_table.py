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


def _counting_matches(monkeypatch: Any) -> list[str]:
    calls: list[str] = []
    original = FakeRoute.match_path

    def counting(self: FakeRoute, path: str) -> dict[str, Any] | None:
        calls.append(self.path)
        return original(self, path)

    monkeypatch.setattr(FakeRoute, "match_path", counting)
    return calls


def test_building_the_table_tests_a_static_path_only_against_routes_of_its_shape(monkeypatch: Any) -> None:
    # Everything under one prefix: a first-segment bucket would hold every route and the build would be quadratic.
    routes = []
    for index in range(1000):
        routes += [FakeRoute(f"/api/v1/r{index}"), FakeRoute(f"/api/v1/r{index}/{{item_id}}")]
    calls = _counting_matches(monkeypatch)
    table = RouteTable([*routes, FakeRoute("/api/v1/{kind}"), FakeRoute("/api/{rest:path}")])
    # Each static path is tested against itself and the two dynamic routes that could match it (same depth, or a
    # :path part): 3 x 1,000 calls, not 1,000 x 2,002.
    assert len(calls) == 3000
    found = [route.path for route, _ in table.matches("/api/v1/r7")]
    assert found == ["/api/v1/r7", "/api/v1/{kind}", "/api/{rest:path}"]
    calls.clear()
    assert [route.path for route, _ in table.matches("/api/v1/r7/3")] == ["/api/v1/r7/{item_id}", "/api/{rest:path}"]
    assert len(calls) == 2  # the request walked the tree: two candidates, not two thousand


def test_routes_of_every_depth_keep_declaration_order() -> None:
    deep, wild, shallow = FakeRoute("/a/b/{x}"), FakeRoute("/{p:path}"), FakeRoute("/a/{y}/{x}")
    table = RouteTable([deep, wild, shallow])
    assert [route for route, _ in table.matches("/a/b/c")] == [deep, wild, shallow]
    assert [route for route, _ in table.matches("/z")] == [wild]
    assert table.routes == (deep, wild, shallow)

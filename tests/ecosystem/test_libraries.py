"""Each library's documented main use, on FastAPI and on Zephyr through ``install_as_fastapi()``: same outcomes."""

from __future__ import annotations

from typing import Any

Outcomes = dict[str, tuple[Any, Any]]


def _same(outcomes: Outcomes, scenario: str) -> Any:
    reference, zephyr = outcomes[scenario]
    assert zephyr == reference
    return zephyr


def test_fastapi_pagination_pages_a_list(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "pagination")
    status, first = outcome["first"]
    assert status == 200
    assert first == {
        "items": [{"id": i, "name": f"item {i}"} for i in range(1, 6)],
        "total": 23,
        "page": 1,
        "size": 5,
        "pages": 5,
    }
    assert [item["id"] for item in outcome["last"]["items"]] == [21, 22, 23]
    assert outcome["invalid"] == 422
    assert outcome["params"] == ["page", "size"]


def test_fastapi_cache2_caches_and_answers_etags(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "cache")
    assert outcome["miss"] == [200, '{"n":4,"square":16}', "MISS", "max-age=60"]
    assert outcome["hit"] == [200, '{"n":4,"square":16}', "HIT", "max-age=60"]
    assert outcome["not_modified"] == 304
    assert outcome["calls"] == [4, 5]
    assert outcome["etag_same"] is True


def test_sse_starlette_event_source_response_streams(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "sse")
    assert outcome["status"] == 200
    assert outcome["type"] == "text/event-stream; charset=utf-8"
    assert outcome["body"] == "".join(f'id: {i}\nevent: tick\ndata: {{"i": {i}}}\n\n' for i in range(3))


def test_strawberry_graphql_router_answers_queries(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "graphql")
    assert outcome["answer"] == [200, {"data": {"hello": "Hello Zephyr"}}]
    assert outcome["get"] == [200, {"data": {"hello": "Hello world"}}]
    status, bad = outcome["bad"]
    assert status == 200
    assert bad["errors"][0]["message"] == "Cannot query field 'nope' on type 'Query'."


def test_sqladmin_list_page_and_links_across_the_mount(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "admin")
    assert (outcome["index"], outcome["list"], outcome["static"]) == (200, 200, 200)
    assert outcome["ada"] is True
    assert outcome["grace"] is True
    assert "http://testserver/admin/user/details/2" in outcome["links"]
    assert "http://testserver/admin/statics/css/main.css" in outcome["links"]


def test_fastapi_users_register_login_and_me(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "users")
    assert outcome["register"] == [201, "ada@example.com", True, True]
    assert outcome["again"] == [400, {"detail": "REGISTER_USER_ALREADY_EXISTS"}]
    assert outcome["login"] == [200, "bearer"]
    assert outcome["wrong"] == [400, {"detail": "LOGIN_BAD_CREDENTIALS"}]
    assert outcome["me"] == [200, "ada@example.com"]
    assert outcome["anonymous"] == [401, {"detail": "Unauthorized"}]

from __future__ import annotations

from typing import Any

import pytest

from tests.security._compare import both_outcomes, make_scope
from zephyr.exceptions import HTTPException
from zephyr.openapi.models import APIKey
from zephyr.security import APIKeyCookie, APIKeyHeader, APIKeyQuery

pytestmark = pytest.mark.anyio

MISSING = ("error", 401, "Not authenticated", {"WWW-Authenticate": "APIKey"})

HEADER_CASES: list[tuple[list[tuple[str, str]], tuple[Any, ...]]] = [
    ([], MISSING),
    ([("X-Key", "")], MISSING),
    ([("X-Key", "secret")], ("ok", "secret")),
    ([("x-key", " spaced ")], ("ok", " spaced ")),
    ([("X-Key", "first"), ("X-Key", "second")], ("ok", "first")),
    ([("X-Other", "secret")], MISSING),
]

QUERY_CASES: list[tuple[bytes, tuple[Any, ...]]] = [
    (b"", MISSING),
    (b"key=", MISSING),
    (b"key=secret", ("ok", "secret")),
    (b"key=a%20b", ("ok", "a b")),
    (b"key=first&key=second", ("ok", "second")),
    (b"Key=secret", MISSING),
]

COOKIE_CASES: list[tuple[list[tuple[str, str]], tuple[Any, ...]]] = [
    ([], MISSING),
    ([("Cookie", "session=")], MISSING),
    ([("Cookie", "session=abc; other=1")], ("ok", "abc")),
    ([("Cookie", 'session="quoted"')], ("ok", "quoted")),
    ([("Cookie", "other=1")], MISSING),
]


@pytest.mark.parametrize(("headers", "expected"), HEADER_CASES)
@pytest.mark.parametrize("auto_error", [True, False])
async def test_api_key_header_matches_fastapi(
    headers: list[tuple[str, str]], expected: tuple[Any, ...], auto_error: bool
) -> None:
    ours, theirs = await both_outcomes("APIKeyHeader", {"name": "X-Key", "auto_error": auto_error}, make_scope(headers))
    assert ours == theirs
    assert ours == (expected if auto_error or expected[0] == "ok" else ("ok", None))


@pytest.mark.parametrize(("query", "expected"), QUERY_CASES)
@pytest.mark.parametrize("auto_error", [True, False])
async def test_api_key_query_matches_fastapi(query: bytes, expected: tuple[Any, ...], auto_error: bool) -> None:
    ours, theirs = await both_outcomes(
        "APIKeyQuery", {"name": "key", "auto_error": auto_error}, make_scope(query_string=query)
    )
    assert ours == theirs
    assert ours == (expected if auto_error or expected[0] == "ok" else ("ok", None))


@pytest.mark.parametrize(("headers", "expected"), COOKIE_CASES)
@pytest.mark.parametrize("auto_error", [True, False])
async def test_api_key_cookie_matches_fastapi(
    headers: list[tuple[str, str]], expected: tuple[Any, ...], auto_error: bool
) -> None:
    ours, theirs = await both_outcomes(
        "APIKeyCookie", {"name": "session", "auto_error": auto_error}, make_scope(headers)
    )
    assert ours == theirs
    assert ours == (expected if auto_error or expected[0] == "ok" else ("ok", None))


async def test_api_key_header_works_on_websocket_connections() -> None:
    scope = make_scope([("X-Key", "secret")], scope_type="websocket")
    ours, theirs = await both_outcomes("APIKeyHeader", {"name": "X-Key"}, scope)
    assert ours == theirs == ("ok", "secret")


@pytest.mark.parametrize(
    ("scheme", "location"),
    [(APIKeyHeader, "header"), (APIKeyQuery, "query"), (APIKeyCookie, "cookie")],
)
def test_model_and_scheme_name(scheme: Any, location: str) -> None:
    default = scheme(name="k")
    assert default.scheme_name == scheme.__name__
    assert isinstance(default.model, APIKey)
    assert default.model.model_dump(mode="json", by_alias=True, exclude_none=True) == {
        "type": "apiKey",
        "in": location,
        "name": "k",
    }
    named = scheme(name="k", scheme_name="Key", description="The key.")
    assert named.scheme_name == "Key"
    assert named.model.description == "The key."


def test_make_not_authenticated_error_can_be_overridden() -> None:
    class Forbidding(APIKeyHeader):
        def make_not_authenticated_error(self) -> HTTPException:
            return HTTPException(status_code=403, detail="Not authenticated")

    with pytest.raises(HTTPException) as info:
        Forbidding(name="X-Key").check_api_key(None)
    assert (info.value.status_code, info.value.detail, info.value.headers) == (403, "Not authenticated", None)
    assert Forbidding(name="X-Key").check_api_key("k") == "k"


def test_api_key_header_name_must_be_a_header_name() -> None:
    from zephyr.exceptions import FastAPIError

    with pytest.raises(
        FastAPIError, match="APIKeyHeader\\(name='X-Schl\u00fcssel\u2603'\\): HTTP header names are ASCII"
    ):
        APIKeyHeader(name="X-Schl\u00fcssel\u2603")

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.security._compare import both_outcomes, make_scope
from zephyr.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer, HTTPDigest
from zephyr.security.http import HTTPBase

pytestmark = pytest.mark.anyio


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


AUTHORIZATION_VALUES = [
    None,
    "",
    "Basic",
    "Basic ",
    basic(b"alice:secret"),
    "basic " + base64.b64encode(b"alice:").decode(),
    basic(b":only-password"),
    basic(b"alice:pass:with:colons"),
    basic(b"no-colon"),
    basic("j\u00f6rg:pw".encode()),
    "Basic !!!not-base64!!!",
    "Basic YWxpY2U6c2VjcmV0",
    "Basic YWxpY2U6c2VjcmV0=",
    "Basic YW",
    "Bearer abc.def.ghi",
    "bearer   token-with-spaces  ",
    "BEARER x",
    "Bearer",
    "Bearer ",
    'Digest username="a", realm="r", nonce="n"',
    "digest x",
    "Token abc",
    "  Bearer abc",
]

SCHEMES: list[tuple[str, dict[str, Any]]] = [
    ("HTTPBasic", {}),
    ("HTTPBasic", {"realm": "shop"}),
    ("HTTPBasic", {"auto_error": False}),
    ("HTTPBasic", {"realm": "shop", "auto_error": False}),
    ("HTTPBearer", {}),
    ("HTTPBearer", {"bearerFormat": "JWT", "auto_error": False}),
    ("HTTPDigest", {}),
    ("HTTPDigest", {"auto_error": False}),
]


def scope_with(authorization: str | None) -> dict[str, Any]:
    return make_scope([] if authorization is None else [("Authorization", authorization)])


@pytest.mark.parametrize("authorization", AUTHORIZATION_VALUES)
@pytest.mark.parametrize(("class_name", "kwargs"), SCHEMES)
async def test_http_schemes_match_fastapi(class_name: str, kwargs: dict[str, Any], authorization: str | None) -> None:
    ours, theirs = await both_outcomes(class_name, kwargs, scope_with(authorization))
    assert ours == theirs


async def test_http_base_matches_fastapi() -> None:
    import fastapi.security.http
    import starlette.requests

    import zephyr.requests
    from tests.security._compare import outcome_of

    for authorization in AUTHORIZATION_VALUES:
        for auto_error in (True, False):
            scope = scope_with(authorization)
            ours = await outcome_of(
                HTTPBase(scheme="custom", auto_error=auto_error), zephyr.requests.HTTPConnection(scope)
            )
            theirs = await outcome_of(
                fastapi.security.http.HTTPBase(scheme="custom", auto_error=auto_error),
                starlette.requests.HTTPConnection(scope),
            )
            assert ours == theirs, authorization


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (basic(b"alice:secret"), ("ok", ("HTTPBasicCredentials", {"username": "alice", "password": "secret"}))),
        (basic(b"alice:a:b"), ("ok", ("HTTPBasicCredentials", {"username": "alice", "password": "a:b"}))),
        (None, ("error", 401, "Not authenticated", {"WWW-Authenticate": 'Basic realm="shop"'})),
        ("Bearer x", ("error", 401, "Not authenticated", {"WWW-Authenticate": 'Basic realm="shop"'})),
        (basic(b"no-colon"), ("error", 401, "Not authenticated", {"WWW-Authenticate": 'Basic realm="shop"'})),
    ],
)
async def test_http_basic_exact_answers(authorization: str | None, expected: tuple[Any, ...]) -> None:
    ours, theirs = await both_outcomes("HTTPBasic", {"realm": "shop"}, scope_with(authorization))
    assert ours == theirs == expected


async def test_http_basic_refuses_undecodable_credentials_even_without_auto_error() -> None:
    ours, theirs = await both_outcomes("HTTPBasic", {"auto_error": False}, scope_with("Basic !!!"))
    assert ours == theirs == ("error", 401, "Not authenticated", {"WWW-Authenticate": "Basic"})
    ours, _ = await both_outcomes("HTTPBasic", {"auto_error": False}, scope_with(None))
    assert ours == ("ok", None)


@pytest.mark.parametrize(
    ("class_name", "authorization", "expected"),
    [
        (
            "HTTPBearer",
            "Bearer abc",
            ("ok", ("HTTPAuthorizationCredentials", {"scheme": "Bearer", "credentials": "abc"})),
        ),
        ("HTTPBearer", "Basic abc", ("error", 401, "Not authenticated", {"WWW-Authenticate": "Bearer"})),
        (
            "HTTPDigest",
            "Digest a=1",
            ("ok", ("HTTPAuthorizationCredentials", {"scheme": "Digest", "credentials": "a=1"})),
        ),
        ("HTTPDigest", None, ("error", 401, "Not authenticated", {"WWW-Authenticate": "Digest"})),
    ],
)
async def test_bearer_and_digest_exact_answers(
    class_name: str, authorization: str | None, expected: tuple[Any, ...]
) -> None:
    ours, theirs = await both_outcomes(class_name, {}, scope_with(authorization))
    assert ours == theirs == expected


def test_models_and_scheme_names_match_fastapi() -> None:
    import fastapi.security

    pairs: list[tuple[Any, Any]] = [
        (HTTPBasic(), fastapi.security.HTTPBasic()),
        (
            HTTPBasic(scheme_name="B", realm="r", description="d"),
            fastapi.security.HTTPBasic(scheme_name="B", realm="r", description="d"),
        ),
        (HTTPBearer(bearerFormat="JWT"), fastapi.security.HTTPBearer(bearerFormat="JWT")),
        (HTTPDigest(description="d"), fastapi.security.HTTPDigest(description="d")),
    ]
    for ours, theirs in pairs:
        assert ours.scheme_name == theirs.scheme_name
        assert ours.model.model_dump(mode="json", by_alias=True, exclude_none=True) == theirs.model.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
    assert HTTPBearer(bearerFormat="JWT").model.model_dump(mode="json", by_alias=True, exclude_none=True) == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_credentials_models() -> None:
    assert HTTPBasicCredentials(username="a", password="b").model_dump() == {"username": "a", "password": "b"}
    assert HTTPAuthorizationCredentials(scheme="Bearer", credentials="t").model_dump() == {
        "scheme": "Bearer",
        "credentials": "t",
    }

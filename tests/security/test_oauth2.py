from __future__ import annotations

import inspect
from typing import Any, get_type_hints

import fastapi.security
import pytest

from tests.security._compare import both_outcomes, make_scope
from zephyr.openapi.models import OAuthFlows
from zephyr.params import Form as FormParam
from zephyr.security import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)

pytestmark = pytest.mark.anyio

AUTHORIZATION_VALUES = [
    None,
    "",
    "Bearer abc.def",
    "bearer abc",
    "BEARER  abc  ",
    "Bearer",
    "Basic abc",
    "Token",
    " Bearer abc",
]

SCHEMES: list[tuple[str, dict[str, Any]]] = [
    ("OAuth2", {}),
    ("OAuth2", {"auto_error": False}),
    ("OAuth2PasswordBearer", {"tokenUrl": "token"}),
    ("OAuth2PasswordBearer", {"tokenUrl": "token", "auto_error": False}),
    ("OAuth2AuthorizationCodeBearer", {"authorizationUrl": "auth", "tokenUrl": "token"}),
    ("OAuth2AuthorizationCodeBearer", {"authorizationUrl": "auth", "tokenUrl": "token", "auto_error": False}),
    ("OpenIdConnect", {"openIdConnectUrl": "https://id.example.com/.well-known/openid-configuration"}),
]


@pytest.mark.parametrize("authorization", AUTHORIZATION_VALUES)
@pytest.mark.parametrize(("class_name", "kwargs"), SCHEMES)
async def test_oauth2_schemes_match_fastapi(class_name: str, kwargs: dict[str, Any], authorization: str | None) -> None:
    scope = make_scope([] if authorization is None else [("Authorization", authorization)])
    ours, theirs = await both_outcomes(class_name, kwargs, scope)
    assert ours == theirs


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        ("Bearer abc", ("ok", "abc")),
        ("bearer  abc ", ("ok", "abc")),
        ("Bearer", ("ok", "")),
        ("Basic abc", ("error", 401, "Not authenticated", {"WWW-Authenticate": "Bearer"})),
        (None, ("error", 401, "Not authenticated", {"WWW-Authenticate": "Bearer"})),
    ],
)
async def test_password_bearer_exact_answers(authorization: str | None, expected: tuple[Any, ...]) -> None:
    scope = make_scope([] if authorization is None else [("Authorization", authorization)])
    ours, theirs = await both_outcomes("OAuth2PasswordBearer", {"tokenUrl": "token"}, scope)
    assert ours == theirs == expected


async def test_generic_oauth2_returns_the_whole_header() -> None:
    ours, theirs = await both_outcomes("OAuth2", {}, make_scope([("Authorization", "Bearer abc")]))
    assert ours == theirs == ("ok", "Bearer abc")


def dump(scheme: Any) -> dict[str, Any]:
    result: dict[str, Any] = scheme.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return result


@pytest.mark.parametrize(
    ("class_name", "kwargs"),
    [
        ("OAuth2", {}),
        ("OAuth2", {"flows": {"implicit": {"authorizationUrl": "a", "scopes": {"x": "y"}}}, "description": "d"}),
        ("OAuth2PasswordBearer", {"tokenUrl": "token"}),
        (
            "OAuth2PasswordBearer",
            {"tokenUrl": "token", "scopes": {"me": "Read me"}, "refreshUrl": "refresh", "scheme_name": "Pw"},
        ),
        ("OAuth2AuthorizationCodeBearer", {"authorizationUrl": "auth", "tokenUrl": "token"}),
        (
            "OAuth2AuthorizationCodeBearer",
            {"authorizationUrl": "a", "tokenUrl": "t", "refreshUrl": "r", "scopes": {"s": "S"}, "description": "d"},
        ),
    ],
)
def test_models_and_scheme_names_match_fastapi(class_name: str, kwargs: dict[str, Any]) -> None:
    import zephyr.security

    ours = getattr(zephyr.security, class_name)(**kwargs)
    theirs = getattr(fastapi.security, class_name)(**kwargs)
    assert ours.scheme_name == theirs.scheme_name
    assert dump(ours) == dump(theirs)


def test_password_bearer_model() -> None:
    scheme = OAuth2PasswordBearer("token", scopes={"me": "Read me"})
    assert scheme.scheme_name == "OAuth2PasswordBearer"
    assert dump(scheme) == {
        "type": "oauth2",
        "flows": {"password": {"scopes": {"me": "Read me"}, "tokenUrl": "token"}},
    }
    assert isinstance(OAuth2().model.flows, OAuthFlows)
    assert OAuth2AuthorizationCodeBearer("a", "t").model.flows.authorizationCode is not None


def test_security_scopes() -> None:
    scopes = SecurityScopes(["items:read", "me"])
    theirs = fastapi.security.SecurityScopes(["items:read", "me"])
    assert (
        (scopes.scopes, scopes.scope_str)
        == (theirs.scopes, theirs.scope_str)
        == (["items:read", "me"], "items:read me")
    )
    empty = SecurityScopes()
    assert (empty.scopes, empty.scope_str) == ([], "")


def test_password_request_form_splits_scopes_like_fastapi() -> None:
    values: dict[str, Any] = {
        "grant_type": "password",
        "username": "alice",
        "password": "pw",
        "scope": " items:read  me ",
        "client_id": "cid",
        "client_secret": "cs",
    }
    for ours_class, theirs_class in (
        (OAuth2PasswordRequestForm, fastapi.security.OAuth2PasswordRequestForm),
        (OAuth2PasswordRequestFormStrict, fastapi.security.OAuth2PasswordRequestFormStrict),
    ):
        ours = ours_class(**values)
        theirs = theirs_class(**values)
        assert vars(ours) == vars(theirs)
        assert ours.scopes == ["items:read", "me"]
    assert OAuth2PasswordRequestForm(username="a", password="b").scopes == []


def form_signature(cls: Any) -> list[tuple[str, Any, Any, Any, Any]]:
    hints = get_type_hints(cls.__init__, include_extras=True)
    rows = []
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        annotation = hints[name]
        base, marker = annotation.__origin__, annotation.__metadata__[0]
        constraints = sorted(repr(item) for item in marker.metadata)
        rows.append((name, parameter.kind, parameter.default, base, (constraints, marker.json_schema_extra)))
    return rows


@pytest.mark.current_reference
@pytest.mark.parametrize("name", ["OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict"])
def test_password_request_forms_declare_fastapis_form_fields(name: str) -> None:
    import zephyr.security

    ours_class = getattr(zephyr.security, name)
    theirs_class = getattr(fastapi.security, name)
    for row in get_type_hints(ours_class.__init__, include_extras=True).values():
        if hasattr(row, "__metadata__"):
            assert isinstance(row.__metadata__[0], FormParam)
    ours = form_signature(ours_class)
    theirs = form_signature(theirs_class)
    assert [row[:4] for row in ours] == [row[:4] for row in theirs]
    assert [row[4] for row in ours] == [row[4] for row in theirs]

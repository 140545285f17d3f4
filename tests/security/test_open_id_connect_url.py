from __future__ import annotations

from typing import Any

import pytest

from tests.security._compare import both_outcomes, make_scope
from zephyr.security import OpenIdConnect

pytestmark = pytest.mark.anyio

URL = "https://id.example.com/.well-known/openid-configuration"


@pytest.mark.parametrize(
    ("authorization", "auto_error", "expected"),
    [
        ("Bearer abc", True, ("ok", "Bearer abc")),
        ("anything at all", True, ("ok", "anything at all")),
        (None, True, ("error", 401, "Not authenticated", {"WWW-Authenticate": "Bearer"})),
        ("", True, ("error", 401, "Not authenticated", {"WWW-Authenticate": "Bearer"})),
        (None, False, ("ok", None)),
        ("Bearer abc", False, ("ok", "Bearer abc")),
    ],
)
async def test_open_id_connect_matches_fastapi(
    authorization: str | None, auto_error: bool, expected: tuple[Any, ...]
) -> None:
    scope = make_scope([] if authorization is None else [("Authorization", authorization)])
    ours, theirs = await both_outcomes("OpenIdConnect", {"openIdConnectUrl": URL, "auto_error": auto_error}, scope)
    assert ours == theirs == expected


def test_model_and_scheme_name() -> None:
    scheme = OpenIdConnect(openIdConnectUrl=URL, description="Company login")
    assert scheme.scheme_name == "OpenIdConnect"
    assert scheme.model.model_dump(mode="json", by_alias=True, exclude_none=True) == {
        "type": "openIdConnect",
        "description": "Company login",
        "openIdConnectUrl": URL,
    }
    assert OpenIdConnect(openIdConnectUrl=URL, scheme_name="oidc").scheme_name == "oidc"

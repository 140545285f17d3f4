"""The protected example: HTTPBearer in front, PyJWT checking the token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from examples.protected import Settings, create_app

from zephyr.testclient import TestClient

SECRET = "a-test-secret-that-is-long-enough-for-hs256-and-for-hs512-too-0123456789"
REFUSED_ALG = "Invalid token: The specified alg value is not allowed"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(jwt_secret=SECRET, token_minutes=5))) as client:
        yield client


def _token(client: TestClient) -> str:
    response = client.post("/token", data={"username": "ada", "password": "lovelace"})
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("bearer", 300)
    return str(body["access_token"])


def test_a_valid_token_opens_the_route(client: TestClient) -> None:
    token = _token(client)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    response = client.get("/protected", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["message"] == "Hello ada"


def test_wrong_passwords_get_no_token(client: TestClient) -> None:
    for username, password in [("ada", "wrong"), ("nobody", "lovelace"), ("ADA", "lovelace")]:
        response = client.post("/token", data={"username": username, "password": password})
        assert (response.status_code, response.json()) == (400, {"detail": "Incorrect username or password"})


def _claims(**changes: object) -> dict[str, object]:
    return {"sub": "ada", "exp": datetime.now(timezone.utc) + timedelta(minutes=1), **changes}


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Not authenticated"),
        ("Basic YWRhOmxvdmVsYWNl", "Not authenticated"),
        ("Bearer not.a.jwt", "Invalid token: Invalid header padding"),
        (
            "Bearer " + jwt.encode(_claims(), "another-secret-of-at-least-32-bytes!!"),
            "Invalid token: Signature verification failed",
        ),
        ("Bearer " + jwt.encode(_claims(exp=datetime(2020, 1, 1, tzinfo=timezone.utc)), SECRET), "Token expired"),
        ("Bearer " + jwt.encode({"sub": "ada"}, SECRET), 'Invalid token: Token is missing the "exp" claim'),
        (
            "Bearer " + jwt.encode(_claims(), SECRET, algorithm="HS512"),
            "Invalid token: The specified alg value is not allowed",
        ),
        (
            "Bearer " + jwt.encode(_claims(), "", algorithm="none"),
            "Invalid token: The specified alg value is not allowed",
        ),
    ],
)
def test_bad_credentials_are_401(client: TestClient, authorization: str | None, detail: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/protected", headers=headers)
    assert (response.status_code, response.json()) == (401, {"detail": detail})
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_tampered_token_is_refused(client: TestClient) -> None:
    header, _payload, signature = _token(client).split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"admin","exp":9999999999}').decode()
    response = client.get("/protected", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert response.json() == {"detail": "Invalid token: Signature verification failed"}


def test_the_document_declares_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    assert document["paths"]["/protected"]["get"]["security"] == [{"HTTPBearer": []}]


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="jwt_secret"):
        Settings(jwt_secret="short")

"""The users example on the real PostgreSQL, through asyncpg, in a table of its own."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from examples.users import Settings, create_app

from zephyr.testclient import TestClient

pytestmark = pytest.mark.services


@pytest.fixture
def client(database_url: str, unique: str) -> Iterator[TestClient]:
    try:
        with TestClient(create_app(Settings(database_url=database_url, users_table=unique))) as client:
            yield client
    finally:
        with psycopg.connect(database_url) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {unique}")  # this run's own table only


ADA = {"name": "Ada", "email": "ada@example.com", "age": 36}


def test_create_then_read_a_user(client: TestClient) -> None:
    created = client.post("/users", json=ADA)
    assert created.status_code == 201
    user = created.json()
    assert user == {"id": user["id"], **ADA}
    read = client.get(f"/users/{user['id']}")
    assert (read.status_code, read.json()) == (200, user)
    second = client.post("/users", json={"name": "Bo", "email": "bo@example.com", "age": 18})
    assert second.json()["id"] == user["id"] + 1


def test_the_email_is_unique(client: TestClient) -> None:
    assert client.post("/users", json=ADA).status_code == 201
    again = client.post("/users", json={**ADA, "name": "Ada again"})
    assert (again.status_code, again.json()) == (409, {"detail": "A user with email 'ada@example.com' exists"})


def test_a_missing_user_is_404(client: TestClient) -> None:
    missing = client.get("/users/999999")
    assert (missing.status_code, missing.json()) == (404, {"detail": "User 999999 not found"})


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({**ADA, "age": 17}, ["body", "age"], "greater_than_equal"),
        ({**ADA, "email": "not-an-email"}, ["body", "email"], "value_error"),
        ({**ADA, "name": ""}, ["body", "name"], "string_too_short"),
        ({"name": "Ada", "email": "ada@example.com"}, ["body", "age"], "missing"),
    ],
)
def test_invalid_users_are_refused_with_422(
    client: TestClient, body: dict[str, object], loc: list[str], kind: str
) -> None:
    response = client.post("/users", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)


def test_the_document_shows_the_models(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["schemas"]["User"]["properties"]["email"] == {
        "type": "string",
        "format": "email",
        "title": "Email",
        "examples": ["ada@example.com"],
    }
    post = document["paths"]["/users"]["post"]
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UserOut"}


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/app")
    monkeypatch.setenv("USERS_TABLE", "people")
    settings = Settings()
    assert (settings.database_url, settings.users_table) == ("postgresql://u@db:5432/app", "people")
    monkeypatch.setenv("USERS_TABLE", "people; DROP TABLE x")
    with pytest.raises(ValueError, match="users_table"):
        Settings()

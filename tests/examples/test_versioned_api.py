"""The versioned API: two blueprints with different shapes, one authentication hook in front of both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from examples.versioned_api import Settings, create_app

from zephyr.testclient import TestClient

KEY = {"X-API-Key": "k1"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(api_keys={"k1": "shop"}))) as client:
        yield client


def test_v1_and_v2_answer_different_shapes(client: TestClient) -> None:
    v1 = client.get("/api/v1/users/1", headers=KEY)
    assert (v1.status_code, v1.json()) == (200, {"id": 1, "name": "Ada Lovelace"})
    v2 = client.get("/api/v2/users/1", headers=KEY)
    assert (v2.status_code, v2.json()) == (
        200,
        {
            "data": {"id": 1, "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
            "meta": {"version": 2, "client": "shop"},
        },
    )


def test_v2_pages_the_list(client: TestClient) -> None:
    page = client.get("/api/v2/users?offset=1&limit=5", headers=KEY).json()
    assert [user["id"] for user in page["data"]] == [2, 3]
    assert page["meta"] == {"version": 2, "total": 3, "offset": 1, "limit": 5}
    assert client.get("/api/v2/users?limit=0", headers=KEY).status_code == 422
    assert client.get("/api/v1/users", headers=KEY).status_code == 404  # v1 never had it


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}])
@pytest.mark.parametrize("path", ["/api/v1/users/1", "/api/v2/users/1", "/api/v2/users"])
def test_every_api_route_needs_a_key(client: TestClient, headers: dict[str, str], path: str) -> None:
    response = client.get(path, headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": "A valid X-API-Key header is required"})
    assert response.headers["www-authenticate"] == "ApiKey"


def test_health_is_open_and_unknown_users_are_404(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    missing = client.get("/api/v1/users/9", headers=KEY)
    assert (missing.status_code, missing.json()) == (404, {"error": "No user 9"})
    assert client.get("/api/v1/users/abc", headers=KEY).status_code == 404  # <int:...> does not match


def test_the_document_lists_both_versions(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths) == ["/api/v1/users/{user_id}", "/api/v2/users", "/api/v2/users/{user_id}", "/health"]

from __future__ import annotations

from zephyr import APIRouter, FastAPI, Request
from zephyr.testclient import TestClient


def test_host_routes_match_the_host_header_and_capture_parameters() -> None:
    app = FastAPI()
    tenants = APIRouter()

    @tenants.get("/whoami", name="whoami")
    async def whoami(request: Request) -> dict[str, str]:
        return {"tenant": request.path_params["tenant"]}

    app.host("{tenant}.example.com", tenants, name="tenants")

    @app.get("/whoami")
    async def plain() -> dict[str, str]:
        return {"tenant": "none"}

    client = TestClient(app)
    assert client.get("http://acme.example.com/whoami").json() == {"tenant": "acme"}
    assert client.get("http://acme.example.com:8080/whoami").json() == {"tenant": "acme"}
    assert client.get("http://other.org/whoami").json() == {"tenant": "none"}
    url = app.url_path_for("tenants:whoami", tenant="beta")
    assert str(url) == "/whoami"
    assert url.host == "beta.example.com"

"""fastapi-versioning: ``@version(...)`` on endpoints and ``VersionedFastAPI(app)`` mounting one app per version;
scalar-fastapi: ``get_scalar_api_reference`` served from a route."""

import json

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from fastapi_versioning import VersionedFastAPI, version
from scalar_fastapi import get_scalar_api_reference

app = FastAPI(title="Greeter")


@app.get("/greet")
@version(1)
def greet_v1(name: str) -> dict[str, str]:
    return {"message": f"hello {name}"}


@app.get("/greet")
@version(2)
def greet_v2(name: str, shout: bool = False) -> dict[str, str]:
    message = f"hi {name}"
    return {"message": message.upper() if shout else message}


@app.get("/health")
def health() -> dict[str, bool]:
    return {"ok": True}


versioned = VersionedFastAPI(app, version_format="{major}", prefix_format="/v{major}", enable_latest=True)


@versioned.get("/reference", include_in_schema=False)
async def scalar_html() -> HTMLResponse:
    return get_scalar_api_reference(openapi_url="/v2/openapi.json", title="Greeter")


with TestClient(versioned) as client:
    v1 = client.get("/v1/greet", params={"name": "ada"})
    v2 = client.get("/v2/greet", params={"name": "ada", "shout": True})
    latest = client.get("/latest/greet", params={"name": "ada"})
    healthy = [client.get(f"/{v}/health").status_code for v in ("v1", "v2", "latest")]
    missing = client.get("/greet", params={"name": "ada"}).status_code
    schema_v1 = client.get("/v1/openapi.json").json()
    schema_v2 = client.get("/v2/openapi.json").json()
    docs = client.get("/v2/docs")
    scalar = client.get("/reference")


def described(schema: dict) -> list:  # type: ignore[type-arg]
    operation = schema["paths"]["/greet"]["get"]
    return [schema["info"]["version"], sorted(p["name"] for p in operation["parameters"]), sorted(schema["paths"])]


print(
    json.dumps(
        {
            "v1": [v1.status_code, v1.json()],
            "v2": [v2.status_code, v2.json()],
            "latest": [latest.status_code, latest.json()],
            "health": healthy,
            "missing": missing,
            "schema_v1": described(schema_v1),
            "schema_v2": described(schema_v2),
            "docs": [docs.status_code, "/v2/openapi.json" in docs.text],
            "scalar": [
                scalar.status_code,
                scalar.headers["content-type"],
                "@scalar/api-reference" in scalar.text,
                "/v2/openapi.json" in scalar.text,
            ],
        }
    )
)

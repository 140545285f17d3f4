"""The same small apps on FastAPI and on Zephyr, using every security scheme: answers and OpenAPI must match.

No ``from __future__ import annotations`` here: the endpoints' annotations name the framework under test through
a local variable, so they must be evaluated when the functions are defined; mypy cannot follow such annotations.
"""
# mypy: disable-error-code="name-defined, untyped-decorator"

from types import SimpleNamespace
from typing import Annotated, Any

import fastapi
import fastapi.security
import fastapi.testclient
import pytest

import zephyr
import zephyr.security
import zephyr.testclient

FRAMEWORKS = {
    "fastapi": SimpleNamespace(
        FastAPI=fastapi.FastAPI,
        Depends=fastapi.Depends,
        Security=fastapi.Security,
        HTTPException=fastapi.HTTPException,
        WebSocket=fastapi.WebSocket,
        APIRouter=fastapi.APIRouter,
        security=fastapi.security,
        TestClient=fastapi.testclient.TestClient,
    ),
    "zephyr": SimpleNamespace(
        FastAPI=zephyr.FastAPI,
        Depends=zephyr.Depends,
        Security=zephyr.Security,
        HTTPException=zephyr.HTTPException,
        WebSocket=zephyr.WebSocket,
        APIRouter=zephyr.APIRouter,
        security=zephyr.security,
        TestClient=zephyr.testclient.TestClient,
    ),
}

IGNORED_HEADERS = {"date", "server"}


def build(fw: SimpleNamespace) -> Any:
    sec = fw.security
    app = fw.FastAPI()
    api_key_header = sec.APIKeyHeader(name="X-Key")
    api_key_query = sec.APIKeyQuery(name="key", auto_error=False)
    api_key_cookie = sec.APIKeyCookie(name="session", description="Session cookie")
    basic = sec.HTTPBasic(realm="shop")
    bearer = sec.HTTPBearer(bearerFormat="JWT", auto_error=False)
    digest = sec.HTTPDigest()
    password = sec.OAuth2PasswordBearer(tokenUrl="token", scopes={"items:read": "Read items", "me": "Read me"})
    code = sec.OAuth2AuthorizationCodeBearer(authorizationUrl="auth", tokenUrl="token", scheme_name="Code")
    oidc = sec.OpenIdConnect(openIdConnectUrl="https://id.example.com/.well-known/openid-configuration")

    @app.get("/api-key/header")
    async def header_key(key: Annotated[str, fw.Depends(api_key_header)]) -> dict[str, Any]:
        return {"key": key}

    @app.get("/api-key/query")
    async def query_key(key: Annotated[Any, fw.Depends(api_key_query)]) -> dict[str, Any]:
        return {"key": key}

    @app.get("/api-key/cookie")
    def cookie_key(key: Annotated[str, fw.Depends(api_key_cookie)]) -> dict[str, Any]:
        return {"key": key}

    @app.get("/basic")
    def basic_auth(credentials: Annotated[sec.HTTPBasicCredentials, fw.Depends(basic)]) -> dict[str, Any]:
        return {"username": credentials.username, "password": credentials.password}

    @app.get("/bearer")
    async def bearer_auth(credentials: Annotated[Any, fw.Depends(bearer)]) -> dict[str, Any]:
        if credentials is None:
            return {"anonymous": True}
        return {"scheme": credentials.scheme, "token": credentials.credentials}

    @app.get("/digest")
    async def digest_auth(credentials: Annotated[sec.HTTPAuthorizationCredentials, fw.Depends(digest)]) -> Any:
        return credentials

    async def current_user(
        security_scopes: sec.SecurityScopes, token: Annotated[str, fw.Depends(password)]
    ) -> dict[str, Any]:
        granted = token.split(",")
        missing = [scope for scope in security_scopes.scopes if scope not in granted]
        if missing:
            raise fw.HTTPException(
                status_code=401,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
            )
        return {"scopes": security_scopes.scopes, "token": token}

    @app.get("/items")
    async def items(user: Annotated[dict[str, Any], fw.Security(current_user, scopes=["items:read"])]) -> Any:
        return user

    @app.get("/me")
    async def me(user: Annotated[dict[str, Any], fw.Security(current_user, scopes=["me", "items:read"])]) -> Any:
        return user

    @app.get("/code")
    async def code_auth(token: Annotated[str, fw.Depends(code)]) -> dict[str, Any]:
        return {"token": token}

    @app.get("/oidc")
    async def oidc_auth(authorization: Annotated[str, fw.Depends(oidc)]) -> dict[str, Any]:
        return {"authorization": authorization}

    @app.post("/token")
    async def token(form: Annotated[sec.OAuth2PasswordRequestForm, fw.Depends()]) -> dict[str, Any]:
        return {
            "grant_type": form.grant_type,
            "username": form.username,
            "password": form.password,
            "scopes": form.scopes,
            "client_id": form.client_id,
            "client_secret": form.client_secret,
        }

    @app.post("/token/strict")
    async def token_strict(form: Annotated[sec.OAuth2PasswordRequestFormStrict, fw.Depends()]) -> dict[str, Any]:
        return {"grant_type": form.grant_type, "username": form.username, "scopes": form.scopes}

    @app.get("/oidc/scoped")
    async def oidc_scoped(authorization: Annotated[str, fw.Security(oidc, scopes=["openid", "email"])]) -> Any:
        return {"authorization": authorization}

    router = fw.APIRouter(prefix="/admin", dependencies=[fw.Depends(api_key_header)])

    @router.get("/stats", dependencies=[fw.Security(password, scopes=["me"])])
    async def stats() -> dict[str, Any]:
        return {"ok": True}

    app.include_router(router)

    @app.websocket("/ws")
    async def ws(websocket: fw.WebSocket, key: Annotated[str, fw.Depends(api_key_header)]) -> None:
        await websocket.accept()
        await websocket.send_text(key)
        await websocket.close()

    return app


REQUESTS: list[dict[str, Any]] = [
    {"method": "GET", "url": "/api-key/header"},
    {"method": "GET", "url": "/api-key/header", "headers": {"X-Key": "k1"}},
    {"method": "GET", "url": "/api-key/query"},
    {"method": "GET", "url": "/api-key/query?key=k2"},
    {"method": "GET", "url": "/api-key/cookie"},
    {"method": "GET", "url": "/api-key/cookie", "headers": {"Cookie": "session=s1"}},
    {"method": "GET", "url": "/basic"},
    {"method": "GET", "url": "/basic", "headers": {"Authorization": "Basic YWxpY2U6c2VjcmV0"}},
    {"method": "GET", "url": "/basic", "headers": {"Authorization": "Basic !!!"}},
    {"method": "GET", "url": "/basic", "headers": {"Authorization": "Bearer x"}},
    {"method": "GET", "url": "/bearer"},
    {"method": "GET", "url": "/bearer", "headers": {"Authorization": "Bearer t1"}},
    {"method": "GET", "url": "/bearer", "headers": {"Authorization": "Basic t1"}},
    {"method": "GET", "url": "/digest"},
    {"method": "GET", "url": "/digest", "headers": {"Authorization": "Digest a=1"}},
    {"method": "GET", "url": "/items"},
    {"method": "GET", "url": "/items", "headers": {"Authorization": "Bearer items:read"}},
    {"method": "GET", "url": "/me", "headers": {"Authorization": "Bearer items:read"}},
    {"method": "GET", "url": "/me", "headers": {"Authorization": "Bearer me,items:read"}},
    {"method": "GET", "url": "/code", "headers": {"Authorization": "Token x"}},
    {"method": "GET", "url": "/code", "headers": {"Authorization": "Bearer c1"}},
    {"method": "GET", "url": "/oidc"},
    {"method": "GET", "url": "/oidc", "headers": {"Authorization": "Anything"}},
    {"method": "GET", "url": "/oidc/scoped", "headers": {"Authorization": "Anything"}},
    {"method": "GET", "url": "/admin/stats"},
    {"method": "GET", "url": "/admin/stats", "headers": {"X-Key": "k"}},
    {"method": "GET", "url": "/admin/stats", "headers": {"X-Key": "k", "Authorization": "Bearer me"}},
    {"method": "POST", "url": "/token", "data": {"username": "alice", "password": "pw", "scope": "a  b"}},
    {"method": "POST", "url": "/token", "data": {"username": "alice", "password": "pw", "grant_type": "password"}},
    {"method": "POST", "url": "/token/strict", "data": {"username": "a", "password": "p", "grant_type": "password"}},
    {"method": "POST", "url": "/token/strict", "data": {"username": "a", "password": "p"}},
    {"method": "POST", "url": "/token", "data": {"username": "a", "password": "p", "grant_type": "other"}},
    {"method": "POST", "url": "/token", "data": {"username": "a"}},
    {"method": "POST", "url": "/token", "json": {"username": "a", "password": "p"}},
]


def answer(client: Any, request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    response = client.request(**request)
    headers = {key: value for key, value in response.headers.items() if key not in IGNORED_HEADERS}
    return response.status_code, response.json(), headers


@pytest.fixture(scope="module")
def clients() -> Any:
    made = {name: fw.TestClient(build(fw)) for name, fw in FRAMEWORKS.items()}
    yield made
    for client in made.values():
        client.close()


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r['method']} {r['url']} {r.get('headers', '')}")
def test_answers_match_fastapi(clients: dict[str, Any], request_: dict[str, Any]) -> None:
    assert answer(clients["zephyr"], request_) == answer(clients["fastapi"], request_)


def test_exact_answers(clients: dict[str, Any]) -> None:
    client = clients["zephyr"]
    assert answer(client, {"method": "GET", "url": "/basic"}) == (
        401,
        {"detail": "Not authenticated"},
        {"content-length": "30", "content-type": "application/json", "www-authenticate": 'Basic realm="shop"'},
    )
    status, body, _ = answer(
        client, {"method": "GET", "url": "/me", "headers": {"Authorization": "Bearer me,items:read"}}
    )
    assert (status, body) == (200, {"scopes": ["me", "items:read"], "token": "me,items:read"})


def test_openapi_security_matches_fastapi(clients: dict[str, Any]) -> None:
    ours = clients["zephyr"].get("/openapi.json").json()
    theirs = clients["fastapi"].get("/openapi.json").json()
    assert ours["components"]["securitySchemes"] == theirs["components"]["securitySchemes"]
    for path, item in theirs["paths"].items():
        for method, operation in item.items():
            assert ours["paths"][path][method].get("security") == operation.get("security"), (method, path)


def test_whole_openapi_document_matches_fastapi(clients: dict[str, Any]) -> None:
    assert clients["zephyr"].get("/openapi.json").json() == clients["fastapi"].get("/openapi.json").json()


def test_schemes_read_websocket_handshakes_like_fastapi(clients: dict[str, Any]) -> None:
    received = {}
    for name, client in clients.items():
        with client.websocket_connect("/ws", headers={"X-Key": "ws-key"}) as websocket:
            received[name] = websocket.receive_text()
    assert received == {"fastapi": "ws-key", "zephyr": "ws-key"}

"""authx: ``AuthX(config)``, ``handle_errors(app)``, tokens made at login and ``Depends(auth.access_token_required)``;
fastapi-csrf-protect: ``CsrfProtect`` as a dependency, a token cookie set on a response and checked on a POST."""

import json
from typing import Any

from authx import AuthX, AuthXConfig, TokenPayload
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from fastapi_csrf_protect import CsrfProtect
from fastapi_csrf_protect.exceptions import CsrfProtectError
from pydantic import BaseModel

config = AuthXConfig(JWT_ALGORITHM="HS256", JWT_SECRET_KEY="h11e-secret", JWT_TOKEN_LOCATION=["headers"])
auth: AuthX[Any] = AuthX(config=config)
app = FastAPI()
auth.handle_errors(app)


class CsrfSettings(BaseModel):
    secret_key: str = "h11e-csrf-secret"
    cookie_samesite: str = "lax"


@CsrfProtect.load_config  # type: ignore[arg-type]
def get_csrf_config() -> CsrfSettings:
    return CsrfSettings()


@app.exception_handler(CsrfProtectError)
def csrf_protect_exception_handler(request: Request, exc: CsrfProtectError) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})


@app.get("/login")
def login(username: str, password: str) -> dict[str, str]:
    if username == "ada" and password == "lovelace":
        return {"access_token": auth.create_access_token(uid=username, fresh=True)}
    raise HTTPException(401, detail={"message": "Invalid credentials"})


@app.get("/protected", dependencies=[Depends(auth.access_token_required)])
def protected() -> dict[str, str]:
    return {"message": "Hello World"}


@app.get("/whoami")
def whoami(payload: TokenPayload = Depends(auth.access_token_required)) -> dict[str, Any]:
    return {"sub": payload.sub, "type": payload.type, "fresh": payload.fresh}


@app.get("/csrftoken")
async def get_csrf_token(csrf_protect: CsrfProtect = Depends()) -> JSONResponse:
    csrf_token, signed_token = csrf_protect.generate_csrf_tokens()
    response = JSONResponse(status_code=200, content={"csrf_token": csrf_token})
    csrf_protect.set_csrf_cookie(signed_token, response)
    return response


@app.post("/items")
async def create_item(request: Request, csrf_protect: CsrfProtect = Depends()) -> JSONResponse:
    await csrf_protect.validate_csrf(request)
    response = JSONResponse(status_code=201, content={"created": True})
    csrf_protect.unset_csrf_cookie(response)
    return response


with TestClient(app) as client:
    refused_login = client.get("/login", params={"username": "ada", "password": "nope"})
    token = client.get("/login", params={"username": "ada", "password": "lovelace"}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    allowed = client.get("/protected", headers=bearer)
    anonymous = client.get("/protected")
    forged = client.get("/protected", headers={"Authorization": "Bearer not.a.token"})
    me = client.get("/whoami", headers=bearer)
    issued = client.get("/csrftoken")
    csrf = issued.json()["csrf_token"]
    cookie_set = "fastapi-csrf-token" in issued.headers.get("set-cookie", "")
    created = client.post("/items", headers={"X-CSRF-Token": csrf})
    cookie_unset = created.headers.get("set-cookie", "").startswith('fastapi-csrf-token=""')
    client.cookies.clear()
    missing_cookie = client.post("/items", headers={"X-CSRF-Token": csrf})
    client.get("/csrftoken")
    missing_header = client.post("/items")
print(
    json.dumps(
        {
            "refused_login": [refused_login.status_code, refused_login.json()],
            "allowed": [allowed.status_code, allowed.json()],
            "anonymous": [anonymous.status_code, anonymous.json()],
            "forged": [forged.status_code, forged.json()],
            "me": [me.status_code, me.json()],
            "issued": [issued.status_code, bool(csrf), cookie_set],
            "created": [created.status_code, created.json(), cookie_unset],
            "missing_cookie": [missing_cookie.status_code, missing_cookie.json()],
            "missing_header": [missing_header.status_code, missing_header.json()],
        }
    )
)

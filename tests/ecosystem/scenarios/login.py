"""fastapi-login: a ``LoginManager``, its user loader, a token endpoint and ``Depends(manager)`` (header, cookie)."""

import json

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.testclient import TestClient
from fastapi_login import LoginManager
from fastapi_login.exceptions import InvalidCredentialsException

manager = LoginManager("a-secret-key-of-at-least-32-bytes!", token_url="/auth/token", use_cookie=True)
USERS = {"ada@example.com": {"email": "ada@example.com", "password": "lovelace"}}


@manager.user_loader()
def load_user(email: str) -> dict[str, str] | None:
    return USERS.get(email)


app = FastAPI()


@app.post("/auth/token")
def login(data: OAuth2PasswordRequestForm = Depends()) -> dict[str, str]:
    user = USERS.get(data.username)  # what load_user reads (its decorated type is an awaitable)
    if user is None or user["password"] != data.password:
        raise InvalidCredentialsException
    return {"access_token": manager.create_access_token(data={"sub": data.username}), "token_type": "bearer"}


@app.post("/auth/cookie")
def cookie_login(data: OAuth2PasswordRequestForm = Depends()) -> JSONResponse:
    response = JSONResponse({"status": "ok"})
    manager.set_cookie(response, manager.create_access_token(data={"sub": data.username}))
    return response


@app.get("/me")
def me(user: dict[str, str] = Depends(manager)) -> dict[str, str]:
    return {"email": user["email"]}


with TestClient(app) as client:
    wrong = client.post("/auth/token", data={"username": "ada@example.com", "password": "nope"})
    token = client.post("/auth/token", data={"username": "ada@example.com", "password": "lovelace"}).json()
    header = client.get("/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    anonymous = client.get("/me")
    forged = client.get("/me", headers={"Authorization": "Bearer not.a.token"})
    unknown = client.get("/me", headers={"Authorization": f"Bearer {manager.create_access_token(data={'sub': 'x'})}"})
    cookie = client.post("/auth/cookie", data={"username": "ada@example.com", "password": "lovelace"})
    by_cookie = client.get("/me")
    schema = client.get("/openapi.json").json()
print(
    json.dumps(
        {
            "wrong": [wrong.status_code, wrong.json(), wrong.headers.get("www-authenticate")],
            "token": token["token_type"],
            "header": [header.status_code, header.json()],
            "anonymous": [anonymous.status_code, anonymous.json()],
            "forged": [forged.status_code, forged.json()],
            "unknown": [unknown.status_code, unknown.json()],
            "cookie": [cookie.status_code, sorted(cookie.cookies.keys()), by_cookie.status_code, by_cookie.json()],
            "security": [schema["paths"]["/me"]["get"].get("security"), schema["components"]["securitySchemes"]],
        }
    )
)

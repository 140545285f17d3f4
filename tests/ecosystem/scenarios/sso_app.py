"""fastapi-sso: ``GithubSSO`` login redirect with its state cookie and the callback's ``verify_and_process``.

GitHub's endpoints are answered by an ``httpx.MockTransport`` (no network): the token exchange and the user info.
"""

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from fastapi_sso import GithubSSO, SSOLoginError

seen: list[str] = []


def github(request: httpx.Request) -> httpx.Response:
    seen.append(f"{request.method} {request.url.host}{request.url.path}")
    if request.url.path == "/login/oauth/access_token":
        return httpx.Response(200, json={"access_token": "gho_token", "token_type": "bearer", "scope": "user:email"})
    user = {"id": 42, "login": "ada", "name": "Ada Lovelace", "email": "ada@example.com", "avatar_url": "https://a/1"}
    return httpx.Response(200, json=user)


class OfflineClient(httpx.AsyncClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(transport=httpx.MockTransport(github), **kwargs)


online = httpx.AsyncClient
sso = GithubSSO("client-id", "client-secret", redirect_uri="http://testserver/auth/callback", allow_insecure_http=True)
app = FastAPI()


@app.get("/auth/login")
async def login() -> Any:
    async with sso:
        return await sso.get_login_redirect(state="fixed-state")


@app.get("/auth/callback")
async def callback(request: Request) -> dict[str, Any]:
    async with sso:
        user = await sso.verify_and_process(request)
    assert user is not None
    return {"id": user.id, "email": user.email, "name": user.display_name, "provider": user.provider}


httpx.AsyncClient = OfflineClient  # type: ignore[misc]  # fastapi-sso makes its client per login
with TestClient(app) as client:
    redirect = client.get("/auth/login", follow_redirects=False)
    location = urlsplit(redirect.headers["location"])
    query = parse_qs(location.query)
    cookie = redirect.cookies.get("sso_state")
    done = client.get("/auth/callback", params={"code": "the-code", "state": "fixed-state"})
    forged = client.get("/auth/callback", params={"code": "the-code", "state": "other"})
    client.cookies.clear()
    no_cookie = client.get("/auth/callback", params={"code": "the-code", "state": "fixed-state"})
    no_code = client.get("/auth/callback")
httpx.AsyncClient = online  # type: ignore[misc]  # the scenarios after this one run in the same process
print(
    json.dumps(
        {
            "redirect": [redirect.status_code, f"{location.netloc}{location.path}", sorted(query), cookie],
            "params": [query["client_id"], query["redirect_uri"], query["state"]],
            "done": [done.status_code, done.json()],
            "forged": [forged.status_code, forged.json()],
            "no_cookie": [no_cookie.status_code, no_cookie.json()],
            "no_code": [no_code.status_code, no_code.json()],
            "seen": seen,
            "error_class": [SSOLoginError.__mro__[1].__module__, SSOLoginError.__mro__[1].__name__],
        }
    )
)

# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Security schemes in whole apps (OAuth2 password flow with scopes, HTTP Basic/Bearer, API keys) answer as on FastAPI."""

from __future__ import annotations

import base64

from tests.compat.harness import assert_same, get, post

OAUTH2_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI, HTTPException, Security, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, SecurityScopes
from pydantic import BaseModel, ValidationError

fake_users_db = {
    "johndoe": {"username": "johndoe", "full_name": "John Doe", "email": "johndoe@example.com", "hashed_password": "fakehashedsecret", "disabled": False},
    "alice": {"username": "alice", "full_name": "Alice Wonderson", "email": "alice@example.com", "hashed_password": "fakehashedsecret2", "disabled": True},
}

app = FastAPI()

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"me": "Read information about the current user.", "items": "Read items."},
)

class User(BaseModel):
    username: str
    email: str | None = None
    full_name: str | None = None
    disabled: bool | None = None

class UserInDB(User):
    hashed_password: str

class Token(BaseModel):
    access_token: str
    token_type: str

def fake_hash_password(password: str):
    return "fakehashed" + password

async def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]):
    if security_scopes.scopes:
        authenticate_value = f'Bearer scope="{security_scopes.scope_str}"'
    else:
        authenticate_value = "Bearer"
    username, _, scopes = token.partition(":")
    if username not in fake_users_db:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Could not validate credentials", headers={"WWW-Authenticate": authenticate_value})
    for scope in security_scopes.scopes:
        if scope not in scopes.split(","):
            raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Not enough permissions", headers={"WWW-Authenticate": authenticate_value})
    return UserInDB(**fake_users_db[username])

async def get_current_active_user(current_user: Annotated[User, Security(get_current_user, scopes=["me"])]):
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user

@app.post("/token")
async def login(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user_dict = fake_users_db.get(form_data.username)
    if not user_dict:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    user = UserInDB(**user_dict)
    if not fake_hash_password(form_data.password) == user.hashed_password:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    return Token(access_token=user.username + ":" + ",".join(form_data.scopes), token_type="bearer")

@app.get("/users/me/", response_model=User)
async def read_users_me(current_user: Annotated[User, Depends(get_current_active_user)]):
    return current_user

@app.get("/users/me/items/")
async def read_own_items(current_user: Annotated[User, Security(get_current_active_user, scopes=["items"])]):
    return [{"item_id": "Foo", "owner": current_user.username}]

@app.get("/status/")
async def read_system_status(current_user: Annotated[User, Depends(get_current_user)]):
    return {"status": "ok"}

@app.get("/raw-token/")
async def raw_token(token: Annotated[str, Depends(oauth2_scheme)]):
    return {"token": token}
"""


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_oauth2_password_flow_with_scopes() -> None:
    assert_same(
        OAUTH2_APP,
        [
            post("/token", data={"username": "johndoe", "password": "secret", "scope": "me items"}),
            post("/token", data={"username": "johndoe", "password": "wrong"}),
            post("/token", data={"username": "johndoe"}),
            post("/token", data={"username": "nobody", "password": "x", "grant_type": "password"}),
            post("/token", data={"username": "johndoe", "password": "secret", "grant_type": "bad"}),
            post("/token"),
            get("/users/me/"),
            get("/users/me/", headers=_bearer("johndoe:me")),
            get("/users/me/", headers=_bearer("johndoe:items")),
            get("/users/me/", headers=_bearer("alice:me")),
            get("/users/me/", headers={"authorization": "Basic abc"}),
            get("/users/me/", headers={"authorization": "Bearer"}),
            get("/users/me/items/", headers=_bearer("johndoe:me,items")),
            get("/users/me/items/", headers=_bearer("johndoe:me")),
            get("/status/", headers=_bearer("johndoe:")),
            get("/status/", headers=_bearer("nobody:")),
            get("/raw-token/", headers={"authorization": "bearer lower"}),
            get("/raw-token/", headers={"authorization": "Bearer  spaced"}),
        ],
    )


HTTP_APP = """
import secrets
from typing import Annotated
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import (
    APIKeyCookie, APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer, HTTPDigest,
    OAuth2AuthorizationCodeBearer, OpenIdConnect,
)

app = FastAPI()

security = HTTPBasic(realm="simple", description="Basic auth")

def get_current_username(credentials: Annotated[HTTPBasicCredentials, Depends(security)]):
    is_correct_username = secrets.compare_digest(credentials.username.encode("utf8"), b"stanleyjobson")
    is_correct_password = secrets.compare_digest(credentials.password.encode("utf8"), b"swordfish")
    if not (is_correct_username and is_correct_password):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Incorrect username or password", headers={"WWW-Authenticate": "Basic"})
    return credentials.username

@app.get("/users/me")
def read_current_user(username: Annotated[str, Depends(get_current_username)]):
    return {"username": username}

bearer = HTTPBearer(bearerFormat="JWT", scheme_name="jwt")
optional_bearer = HTTPBearer(auto_error=False)

@app.get("/bearer")
def read_bearer(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}

@app.get("/optional-bearer")
def read_optional_bearer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)]):
    return {"credentials": credentials}

digest = HTTPDigest()

@app.get("/digest")
def read_digest(credentials: Annotated[HTTPAuthorizationCredentials, Depends(digest)]):
    return {"credentials": credentials.credentials}

header_key = APIKeyHeader(name="X-API-Key", description="The key")
query_key = APIKeyQuery(name="api_key", auto_error=False)
cookie_key = APIKeyCookie(name="session")

@app.get("/keys/header")
def key_header(key: Annotated[str, Depends(header_key)]):
    return {"key": key}

@app.get("/keys/query")
def key_query(key: Annotated[str | None, Depends(query_key)]):
    return {"key": key}

@app.get("/keys/cookie")
def key_cookie(key: Annotated[str, Depends(cookie_key)]):
    return {"key": key}

code_flow = OAuth2AuthorizationCodeBearer(authorizationUrl="authorize", tokenUrl="token", refreshUrl="refresh", scopes={"read": "Read"})

@app.get("/code")
def code(token: Annotated[str, Depends(code_flow)]):
    return {"token": token}

oidc = OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration")

@app.get("/oidc")
def read_oidc(value: Annotated[str, Depends(oidc)]):
    return {"value": value}
"""


def _basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_http_and_api_key_schemes() -> None:
    assert_same(
        HTTP_APP,
        [
            get("/users/me"),
            get("/users/me", headers=_basic("stanleyjobson", "swordfish")),
            get("/users/me", headers=_basic("stanleyjobson", "wrong")),
            get("/users/me", headers={"authorization": "Basic !!!notbase64"}),
            get("/users/me", headers={"authorization": "Basic " + base64.b64encode(b"nocolon").decode()}),
            get("/users/me", headers={"authorization": "Bearer x"}),
            get("/bearer"),
            get("/bearer", headers={"authorization": "Bearer tok"}),
            get("/bearer", headers={"authorization": "Basic tok"}),
            get("/bearer", headers={"authorization": "Bearer"}),
            get("/optional-bearer"),
            get("/optional-bearer", headers={"authorization": "Bearer t"}),
            get("/digest"),
            get("/digest", headers={"authorization": "Digest abc"}),
            get("/keys/header"),
            get("/keys/header", headers={"x-api-key": "k"}),
            get("/keys/query"),
            get("/keys/query?api_key=q"),
            get("/keys/cookie"),
            get("/keys/cookie", headers={"cookie": "session=c"}),
            get("/code"),
            get("/code", headers={"authorization": "Bearer c"}),
            get("/oidc"),
            get("/oidc", headers={"authorization": "Bearer o"}),
        ],
    )


SCHEMES_APP = """
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Security
from fastapi.security import APIKeyHeader, HTTPBearer, OAuth2, OAuth2PasswordBearer, SecurityScopes
from fastapi.openapi.models import OAuthFlows, OAuthFlowPassword, OAuthFlowClientCredentials

oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", scopes={"read": "Read", "write": "Write"}, scheme_name="Password", description="Password flow", refreshUrl="/auth/refresh", auto_error=False)
generic = OAuth2(flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl="/cc", scopes={"svc": "Service"})), scheme_name="cc")
key = APIKeyHeader(name="X-Key", scheme_name="KeyAuth", auto_error=False)

def who(security_scopes: SecurityScopes, token: Annotated[str | None, Depends(oauth2)], k: Annotated[str | None, Depends(key)]):
    return {"scopes": security_scopes.scopes, "token": token, "key": k}

router = APIRouter(prefix="/r", dependencies=[Security(who, scopes=["read"])])

@router.get("/x")
def x(w: Annotated[dict, Security(who, scopes=["write"])]):
    return w

@router.get("/cc", dependencies=[Security(generic, scopes=["svc"])])
def cc():
    return "cc"

app = FastAPI()
app.include_router(router)

@app.get("/open", dependencies=[Depends(HTTPBearer(auto_error=False))])
def open_route():
    return "open"
"""


def test_named_schemes_generic_flows_and_router_security() -> None:
    assert_same(
        SCHEMES_APP,
        [
            get("/r/x"),
            get("/r/x", headers={"authorization": "Bearer t", "x-key": "k"}),
            get("/r/cc"),
            get("/r/cc", headers={"authorization": "Bearer c"}),
            get("/open"),
        ],
    )

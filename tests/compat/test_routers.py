# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Routers, prefixes, tags, router dependencies and responses, slashes, 404/405 and root_path answer as on FastAPI."""

from __future__ import annotations

from tests.compat.harness import Call, assert_same, get, post

ROUTERS_APP = """
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

async def get_token_header(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")

async def get_query_token(token: str):
    if token != "jessica":
        raise HTTPException(status_code=400, detail="No Jessica token provided")

users = APIRouter()

@users.get("/users/", tags=["users"])
async def read_users():
    return [{"username": "Rick"}, {"username": "Morty"}]

@users.get("/users/me", tags=["users"])
async def read_user_me():
    return {"username": "fakecurrentuser"}

@users.get("/users/{username}", tags=["users"])
async def read_user(username: str):
    return {"username": username}

items = APIRouter(
    prefix="/items",
    tags=["items"],
    dependencies=[Depends(get_token_header)],
    responses={404: {"description": "Not found"}},
)

fake_items_db = {"plumbus": {"name": "Plumbus"}, "gun": {"name": "Portal Gun"}}

@items.get("/")
async def read_items():
    return fake_items_db

@items.get("/{item_id}")
async def read_item(item_id: str):
    if item_id not in fake_items_db:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": fake_items_db[item_id]["name"], "item_id": item_id}

class Message(BaseModel):
    message: str

@items.put("/{item_id}", tags=["custom"], responses={403: {"description": "Operation forbidden", "model": Message}})
async def update_item(item_id: str):
    if item_id != "plumbus":
        raise HTTPException(status_code=403, detail="You can only update the item: plumbus")
    return {"item_id": item_id, "name": "The great Plumbus"}

admin = APIRouter()

@admin.post("/")
async def update_admin():
    return {"message": "Admin getting schwifty"}

outer = APIRouter(prefix="/outer", tags=["outer"])
inner = APIRouter(prefix="/inner", tags=["inner"], deprecated=True)

@inner.get("/leaf/{n}", summary="A leaf", description="Deep down", response_description="The leaf")
async def leaf(n: int):
    return {"n": n}

@inner.api_route("/multi", methods=["GET", "POST"], include_in_schema=False)  # FastAPI names it after a set's first
async def multi():
    return {"multi": True}

outer.include_router(inner)

app = FastAPI(dependencies=[Depends(get_query_token)])
app.include_router(users)
app.include_router(items)
app.include_router(
    admin,
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(get_token_header)],
    responses={418: {"description": "I'm a teapot"}},
)
app.include_router(outer, prefix="/v1")

@app.get("/")
async def root():
    return {"message": "Hello Bigger Applications!"}
"""

J = "?token=jessica"
T = {"x-token": "fake-super-secret-token"}


def test_bigger_application() -> None:
    assert_same(
        ROUTERS_APP,
        [
            get("/"),
            get("/" + J),
            get("/users/" + J),
            get("/users/me" + J),
            get("/users/rick" + J),
            get("/items/" + J),
            get("/items/" + J, headers=T),
            get("/items/plumbus" + J, headers=T),
            get("/items/nope" + J, headers=T),
            Call("PUT", "/items/plumbus" + J, {"headers": T}),
            Call("PUT", "/items/gun" + J, {"headers": T}),
            post("/admin/" + J, headers=T),
            post("/admin" + J, headers=T),
            post("/admin/?token=bad", headers=T),
            get("/v1/outer/inner/leaf/3" + J),
            get("/v1/outer/inner/multi" + J),
            post("/v1/outer/inner/multi" + J),
            Call("DELETE", "/v1/outer/inner/multi" + J),
            get("/items" + J, headers=T, follow_redirects=False),
            get("/users" + J, follow_redirects=False),
            get("/users/me/" + J, follow_redirects=False),
            get("/nothing" + J),
            Call("DELETE", "/users/" + J),
        ],
    )


SLASHES_APP = """
from fastapi import FastAPI, APIRouter

app = FastAPI(redirect_slashes=False)

@app.get("/a/")
def a():
    return "a"

@app.get("/b")
def b():
    return "b"
"""


def test_redirect_slashes_off() -> None:
    assert_same(SLASHES_APP, [get("/a"), get("/a/"), get("/b/"), get("/b")])


REDIRECT_APP = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/a/")
def a():
    return "a"

@app.post("/b")
def b():
    return "b"

@app.get("/c/{x}/")
def c(x: int):
    return x
"""


def test_redirect_slashes() -> None:
    assert_same(
        REDIRECT_APP,
        [
            get("/a", follow_redirects=False),
            get("/a?q=1&r=2", follow_redirects=False),
            post("/b/", follow_redirects=False),
            get("/c/1", follow_redirects=False),
            get("/c/x", follow_redirects=False),
            get("/a", follow_redirects=True),
            Call("PUT", "/a", {"follow_redirects": False}),
        ],
        client_kwargs={"base_url": "https://example.org"},
    )


ROOT_PATH_APP = """
from fastapi import FastAPI, Request

app = FastAPI(root_path="/api/v1")

@app.get("/app")
def read_main(request: Request):
    return {"message": "Hello World", "root_path": request.scope.get("root_path"), "url": str(request.url), "for": str(request.url_for("read_main"))}
"""


def test_root_path() -> None:
    assert_same(ROOT_PATH_APP, [get("/app"), get("/api/v1/app"), get("/openapi.json")], deprecated=True)


def test_root_path_from_client() -> None:
    source = ROOT_PATH_APP.replace('FastAPI(root_path="/api/v1")', "FastAPI()")
    assert_same(source, [get("/app"), get("/openapi.json")], client_kwargs={"root_path": "/proxy"})


LATE_APP = """
from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter(prefix="/r", tags=["r"])
inner = APIRouter(prefix="/i")
empty = APIRouter()

@router.get("/early")
def early():
    return "early"

router.include_router(inner)
app.include_router(router)
app.include_router(empty, prefix="/e")

@app.get("/r/{anything}")
def catch_all(anything: str):
    return {"caught": anything}

@app.get("/e/{anything}")
def catch_e(anything: str):
    return {"caught e": anything}

@router.get("/late")
def late():
    return "late"

@inner.get("/deep")
def deep():
    return "deep"

@empty.get("/x")
def empty_x():
    return "x"
"""


def test_routes_added_after_include_router_are_served_in_place() -> None:
    assert_same(
        LATE_APP, [get("/r/early"), get("/r/late"), get("/r/i/deep"), get("/r/other"), get("/e/x"), get("/e/y")]
    )


TWICE_APP = """
from fastapi import FastAPI, APIRouter, Depends, Header

app = FastAPI()
router = APIRouter(prefix="/items", tags=["items"])

@router.get("")
def list_items():
    return ["a"]

@router.get("/")
def list_items_slash():
    return ["slash"]

@router.get("/{item_id}")
def get_item(item_id: int):
    return item_id

app.include_router(router, prefix="/v1")
app.include_router(router, prefix="/v2", tags=["v2"], deprecated=True)

@router.get("/late/one")
def late():
    return "late"

sub = APIRouter()
@sub.get("/ping")
def ping():
    return "pong"
router.include_router(sub, prefix="/sub")
"""


def test_one_router_included_twice_and_extended_later() -> None:
    assert_same(
        TWICE_APP,
        [
            get(path, follow_redirects=False)
            for path in (
                "/v1/items",
                "/v1/items/",
                "/v2/items/3",
                "/v1/items/x",
                "/v1/items/late/one",
                "/v2/items/late/one",
                "/v2/items/sub/ping",
                "/v1/items/sub/ping",
                "/items",
            )
        ],
    )


METHODS_APP = """
from fastapi import FastAPI, APIRouter
app = FastAPI()
@app.get("/items")
def a(): return "get"
@app.post("/items")
def b(): return "post"
@app.put("/items/{x}")
def c(x: str): return x
@app.patch("/items/{y}")
def d(y: str): return y
@app.get("/items/special")
def e(): return "special"
"""


def test_405_allow_lists_the_first_partial_match() -> None:
    assert_same(
        METHODS_APP,
        [
            Call("DELETE", "/items"),
            Call("DELETE", "/items/1"),
            Call("DELETE", "/items/special"),
            Call("OPTIONS", "/items"),
            Call("PATCH", "/items/special"),
            Call("POST", "/items/special"),
        ],
    )

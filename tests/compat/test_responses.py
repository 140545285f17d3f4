# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Response models, response classes, status codes and the ``Response`` parameter answer as on FastAPI."""

from __future__ import annotations

from pathlib import Path

import fastapi.testclient
import pytest

import zephyr.testclient
from tests.compat.harness import Call, assert_same, build_pair, get, post

RESPONSE_MODEL_APP = """
from typing import Any, Union, Literal
from fastapi import FastAPI, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, EmailStr, Field

app = FastAPI()

class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    tags: list[str] = []

items = {
    "foo": {"name": "Foo", "price": 50.2},
    "bar": {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2},
    "baz": {"name": "Baz", "description": None, "price": 50.2, "tax": 10.5, "tags": []},
}

@app.get("/items/{item_id}", response_model=Item, response_model_exclude_unset=True)
async def read_item(item_id: Literal["foo", "bar", "baz"]):
    return items[item_id]

@app.get("/items/{item_id}/name", response_model=Item, response_model_include={"name", "description"})
async def read_item_name(item_id: str):
    return items[item_id]

@app.get("/items/{item_id}/public", response_model=Item, response_model_exclude={"tax"})
async def read_item_public_data(item_id: str):
    return items[item_id]

@app.get("/items/{item_id}/defaults", response_model=Item, response_model_exclude_defaults=True)
async def defaults(item_id: str):
    return items[item_id]

@app.get("/items/{item_id}/none", response_model=Item, response_model_exclude_none=True)
async def none(item_id: str):
    return items[item_id]

class BaseUser(BaseModel):
    username: str
    email: str
    full_name: str | None = None

class UserIn(BaseUser):
    password: str

@app.post("/user/")
async def create_user(user: UserIn) -> BaseUser:
    return user

@app.post("/user-model/", response_model=BaseUser, status_code=status.HTTP_201_CREATED)
async def create_user_model(user: UserIn) -> Any:
    return user

@app.get("/list/", response_model=list[Item])
async def read_list():
    return list(items.values())

class PlaneItem(BaseModel):
    description: str
    type: str = "plane"
    size: int

class CarItem(BaseModel):
    description: str
    type: str = "car"

@app.get("/union/{item_id}", response_model=Union[PlaneItem, CarItem])
async def union(item_id: str):
    if item_id == "car":
        return {"description": "All my friends drive a low rider", "type": "car"}
    return {"description": "Music is my aeroplane", "type": "plane", "size": 5}

@app.get("/keyword-weights/", response_model=dict[str, float])
async def read_keyword_weights():
    return {"foo": 2.3, "bar": 3.4}

@app.get("/portal", response_model=None)
async def get_portal(teleport: bool = False) -> Response | dict:
    if teleport:
        return RedirectResponse(url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    return {"message": "Here's your interdimensional portal."}

@app.get("/teleport")
async def get_teleport() -> RedirectResponse:
    return RedirectResponse(url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")

@app.get("/direct")
async def direct() -> JSONResponse:
    return JSONResponse(content={"a": 1}, status_code=201, headers={"x-custom": "v"})

@app.get("/invalid-response", response_model=Item)
async def invalid_response():
    return {"name": "x"}

@app.post("/created/", status_code=201)
async def created(name: str):
    return {"name": name}

@app.delete("/nocontent/", status_code=204)
async def nocontent():
    return None

@app.get("/not-modified/", status_code=304)
async def not_modified():
    return {"x": 1}

@app.put("/get-or-create-task/{task_id}", status_code=200)
def get_or_create_task(task_id: str, response: Response):
    if task_id not in ("foo", "bar"):
        response.status_code = status.HTTP_201_CREATED
    return {"task": task_id}

@app.post("/cookie-and-object/")
def create_cookie(response: Response):
    response.set_cookie(key="fakesession", value="fake-cookie-session-value")
    response.headers["X-Cat-Dog"] = "alone in the world"
    return {"message": "Come to the dark side, we have cookies"}

@app.post("/cookie/")
def create_cookie_direct():
    content = {"message": "Come to the dark side, we have cookies"}
    response = JSONResponse(content=content)
    response.set_cookie(key="fakesession", value="fake-cookie-session-value", max_age=3600, httponly=True, samesite="strict")
    response.delete_cookie("old")
    return response

class Alias(BaseModel):
    item_name: str = Field(alias="itemName")
    secret: str = Field(exclude=True, default="s")

@app.get("/alias/", response_model=Alias)
async def alias():
    return {"itemName": "x"}

@app.get("/alias-by-name/", response_model=Alias, response_model_by_alias=False)
async def alias_by_name():
    return Alias(itemName="y")

@app.get("/nested-model-objects/", response_model=list[BaseUser])
async def nested():
    return [UserIn(username="u", email="e", password="p")]
"""


def test_response_models() -> None:
    assert_same(
        RESPONSE_MODEL_APP,
        [
            get("/items/foo"),
            get("/items/bar"),
            get("/items/baz"),
            get("/items/nope"),
            get("/items/bar/name"),
            get("/items/bar/public"),
            get("/items/bar/defaults"),
            get("/items/baz/none"),
            post("/user/", json={"username": "u", "email": "a@b.c", "password": "secret"}),
            post("/user-model/", json={"username": "u", "email": "a@b.c", "password": "secret", "full_name": "F"}),
            get("/list/"),
            get("/union/car"),
            get("/union/plane"),
            get("/keyword-weights/"),
            get("/portal"),
            get("/portal?teleport=true"),
            get("/teleport"),
            get("/direct"),
            post("/created/?name=n"),
            Call("DELETE", "/nocontent/"),
            get("/not-modified/"),
            Call("PUT", "/get-or-create-task/foo"),
            Call("PUT", "/get-or-create-task/baz"),
            post("/cookie-and-object/", headers=["x-cat-dog"])
            if False
            else Call("POST", "/cookie-and-object/", headers=("x-cat-dog",)),
            post("/cookie/"),
            get("/alias/"),
            get("/alias-by-name/"),
            get("/nested-model-objects/"),
        ],
    )


def test_response_validation_error_is_a_500() -> None:
    assert_same(RESPONSE_MODEL_APP, [get("/invalid-response")], raise_server_exceptions=False, openapi=False)


RESPONSE_CLASS_APP = '''
import io
from fastapi import FastAPI
from fastapi.responses import (
    FileResponse, HTMLResponse, ORJSONResponse, PlainTextResponse, RedirectResponse, StreamingResponse, JSONResponse, UJSONResponse, Response
)

app = FastAPI()

@app.get("/items/", response_class=ORJSONResponse)
async def read_items():
    return ORJSONResponse([{"item_id": "Foo"}])

@app.get("/orjson-class/", response_class=ORJSONResponse)
async def orjson_class():
    return [{"item_id": "Foo", "n": 1.5}]

@app.get("/ujson/", response_class=UJSONResponse)
async def ujson_class():
    return [{"item_id": "Foo"}]

@app.get("/html/", response_class=HTMLResponse)
async def html():
    return "<html><body><h1>Look ma! HTML!</h1></body></html>"

@app.get("/html-direct/")
async def html_direct():
    return HTMLResponse(content="<p>hi</p>", status_code=200)

@app.get("/plain/", response_class=PlainTextResponse)
async def plain():
    return "Hello World"

@app.get("/typer", response_class=RedirectResponse)
async def redirect_typer():
    return "https://typer.tiangolo.com"

@app.get("/redirect-status", response_class=RedirectResponse, status_code=302)
async def redirect_pydantic():
    return "https://docs.pydantic.dev/"

@app.get("/stream/")
async def stream():
    async def fake_video_streamer():
        for i in range(3):
            yield b"some fake video bytes"
    return StreamingResponse(fake_video_streamer())

@app.get("/stream-text/")
def stream_text():
    return StreamingResponse(io.BytesIO(b"file like"), media_type="text/plain")

@app.get("/file/", response_class=FileResponse)
async def file():
    return __file__

@app.get("/download/")
async def download():
    return FileResponse(DOWNLOAD, filename="report 2024 é.txt", media_type="text/plain")

@app.get("/inline/")
async def inline():
    return FileResponse(DOWNLOAD, filename="inline.txt", content_disposition_type="inline")

@app.get("/legacy/")
def get_legacy_data():
    data = """<?xml version="1.0"?>
    <shampoo><Header>Apply shampoo here.</Header></shampoo>
    """
    return Response(content=data, media_type="application/xml")

@app.get("/json-status/", response_class=JSONResponse, status_code=202)
async def json_status():
    return {"accepted": True}

@app.get("/none/")
async def none():
    return None

@app.get("/unicode/")
async def unicode():
    return {"text": "héllo \\u2013 世界 \\u2028", "float": 1.0, "big": 10**20}
'''


def test_response_classes(tmp_path: Path) -> None:
    download = tmp_path / "report.txt"
    download.write_text("0123456789" * 10)
    assert_same(
        RESPONSE_CLASS_APP.replace("DOWNLOAD", repr(str(download))),
        [
            get("/download/"),
            get("/download/", headers={"range": "bytes=5-14"}),
            get("/download/", headers={"range": "bytes=200-"}),
            get("/inline/"),
            get("/items/"),
            get("/orjson-class/"),
            get("/ujson/"),
            get("/html/"),
            get("/html-direct/"),
            get("/plain/"),
            get("/typer", follow_redirects=False),
            get("/redirect-status", follow_redirects=False),
            get("/stream/"),
            get("/stream-text/"),
            get("/legacy/"),
            get("/json-status/"),
            get("/none/"),
            get("/unicode/"),
        ],
        deprecated=True,
    )


UPDATES_APP = """
from typing import Annotated
from fastapi import FastAPI, Depends, Header, HTTPException
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str | None = None
    description: str | None = None
    price: float | None = None
    tax: float = 10.5
    tags: list[str] = []

items = {
    "foo": {"name": "Foo", "price": 50.2},
    "bar": {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2},
    "baz": {"name": "Baz", "description": None, "price": 50.2, "tax": 10.5, "tags": []},
}

@app.get("/items/{item_id}", response_model=Item)
async def read_item(item_id: str):
    return items[item_id]

@app.put("/items/{item_id}", response_model=Item)
async def update_item(item_id: str, item: Item):
    update_item_encoded = jsonable_encoder(item)
    items[item_id] = update_item_encoded
    return update_item_encoded

@app.patch("/items/{item_id}")
async def patch_item(item_id: str, item: Item) -> Item:
    stored_item_data = items[item_id]
    stored_item_model = Item(**stored_item_data)
    update_data = item.model_dump(exclude_unset=True)
    updated_item = stored_item_model.model_copy(update=update_data)
    items[item_id] = jsonable_encoder(updated_item)
    return updated_item

class Order(BaseModel):
    id: int
    items: list[Item]
    owner: dict[str, str] = {}

@app.get("/order", response_model=Order, response_model_exclude={"items": {"__all__": {"tax", "tags"}}, "owner": {"secret"}})
def order():
    return {"id": 1, "items": [items["bar"], items["foo"]], "owner": {"name": "a", "secret": "s"}}

@app.get("/order-include", response_model=Order, response_model_include={"id": True, "items": {0: {"name"}}})
def order_include():
    return {"id": 1, "items": [items["bar"], items["foo"]]}

class Auth:
    def __init__(self, x_user: Annotated[str, Header()], x_role: Annotated[str, Header()] = "user"):
        self.user = x_user
        self.role = x_role

def require_admin(auth: Annotated[Auth, Depends()]):
    if auth.role != "admin":
        raise HTTPException(403, "admins only")
    return auth

Admin = Annotated[Auth, Depends(require_admin)]

@app.get("/admin")
def admin(a: Admin, b: Admin):
    return {"user": a.user, "same": a is b}
"""


def test_body_updates_nested_include_exclude_and_shared_dependencies() -> None:
    assert_same(
        UPDATES_APP,
        [
            get("/items/foo"),
            Call("PUT", "/items/foo", {"json": {"name": "F2", "price": 1}}),
            get("/items/foo"),
            Call("PATCH", "/items/bar", {"json": {"price": 3}}),
            get("/items/bar"),
            Call("PATCH", "/items/bar", {"json": {"tags": "x"}}),
            get("/order"),
            get("/order-include"),
            get("/admin"),
            get("/admin", headers={"x-user": "u"}),
            get("/admin", headers={"x-user": "u", "x-role": "admin"}),
        ],
    )


RAISING_APP = """
from fastapi import FastAPI, BackgroundTasks
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str

@app.get("/value-error")
def value_error():
    raise ValueError("boom")

@app.get("/bad-response", response_model=Item)
def bad_response():
    return {"nope": 1}

def failing_task():
    raise KeyError("task")

@app.get("/bg")
def bg(tasks: BackgroundTasks):
    tasks.add_task(failing_task)
    return "ok"
"""


@pytest.mark.parametrize("path", ["/value-error", "/bad-response", "/bg"])
def test_server_exceptions_reach_the_test_client(path: str) -> None:
    """With ``raise_server_exceptions=True`` both raise the same exception type with the same errors."""
    theirs, ours = build_pair(RAISING_APP)
    found = []
    for module, client_class in ((theirs, fastapi.testclient.TestClient), (ours, zephyr.testclient.TestClient)):
        with pytest.raises(Exception) as info:
            client_class(module.app).get(path)
        # FastAPI 0.165 appends the endpoint ("Endpoint: GET /path") to the message: compare the errors only.
        found.append((type(info.value).__name__, str(info.value).split("\n\n")[0]))
    assert found[1] == found[0]

# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""HTTPException, custom exception handlers, validation error handlers, 404/405 and 500 answer as on FastAPI."""

from __future__ import annotations

from pathlib import Path

import fastapi.testclient

import zephyr.testclient
from tests.compat.harness import Call, assert_same, build_pair_from_files, get, post

ERRORS_APP = """
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

app = FastAPI()

items = {"foo": "The Foo Wrestlers"}

class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name

@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."})

@app.exception_handler(StarletteHTTPException)
async def custom_http_exception_handler(request, exc):
    if exc.status_code == 404 and request.url.path.startswith("/plain"):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    return await http_exception_handler(request, exc)

@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    if request.url.path.startswith("/custom-422"):
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content=jsonable_encoder({"detail": exc.errors(), "body": exc.body}),
        )
    if request.url.path.startswith("/plain-422"):
        return PlainTextResponse(" | ".join(str(exc).splitlines()[:2]), status_code=400)  # FastAPI adds the endpoint
    return await request_validation_exception_handler(request, exc)

@app.get("/items/{item_id}")
async def read_item(item_id: str):
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found", headers={"X-Error": "There goes my error"})
    return {"item": items[item_id]}

@app.get("/plain/{item_id}")
async def plain(item_id: int):
    raise HTTPException(status_code=404, detail="nope")

@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    return {"unicorn_name": name}

@app.get("/details/{kind}")
async def details(kind: str):
    if kind == "dict":
        raise HTTPException(status_code=400, detail={"msg": "bad", "code": 7})
    if kind == "list":
        raise HTTPException(status_code=409, detail=["a", 1])
    if kind == "none":
        raise HTTPException(status_code=401)
    if kind == "204":
        raise HTTPException(status_code=204)
    if kind == "304":
        raise HTTPException(status_code=304)
    if kind == "starlette":
        raise StarletteHTTPException(status_code=403, detail="forbidden")
    if kind == "auth":
        raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    raise HTTPException(status_code=418, detail=kind)

class Item(BaseModel):
    title: str
    size: int

@app.post("/custom-422/")
async def custom_422(item: Item):
    return item

@app.get("/plain-422/{n}")
async def plain_422(n: int):
    return n

@app.post("/default-422/")
async def default_422(item: Item):
    return item

@app.get("/boom")
async def boom():
    raise RuntimeError("boom")

@app.get("/zero")
def zero():
    return 1 / 0
"""


def test_errors_and_handlers() -> None:
    assert_same(
        ERRORS_APP,
        [
            get("/items/foo"),
            get("/items/bar"),
            get("/plain/3"),
            get("/plain/x"),
            get("/plain-nothing-here"),
            get("/nothing-here"),
            get("/unicorns/yolo"),
            get("/unicorns/ok"),
            get("/details/dict"),
            get("/details/list"),
            get("/details/none"),
            get("/details/204"),
            get("/details/304"),
            get("/details/starlette"),
            get("/details/auth"),
            get("/details/teapot"),
            post("/custom-422/", json={"title": "towel", "size": "XL"}),
            post("/custom-422/", content=b"{bad"),
            get("/plain-422/x"),
            post("/default-422/", json={"title": 1}),
            Call("PUT", "/items/foo"),
            Call("PATCH", "/unicorns/x"),
            Call("OPTIONS", "/items/foo"),
        ],
    )


def test_unhandled_errors_are_500() -> None:
    assert_same(ERRORS_APP, [get("/boom"), get("/zero")], raise_server_exceptions=False, openapi=False)


HANDLER_500_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()

@app.exception_handler(Exception)
async def all_errors(request: Request, exc: Exception):
    return JSONResponse({"error": type(exc).__name__}, status_code=500)

@app.exception_handler(404)
async def not_found(request: Request, exc):
    return JSONResponse({"missing": request.url.path}, status_code=404)

@app.exception_handler(ValueError)
async def value_error(request: Request, exc: ValueError):
    return JSONResponse({"value_error": str(exc)}, status_code=400)

@app.get("/value")
async def value():
    raise ValueError("bad value")

@app.get("/key")
async def key():
    raise KeyError("k")
"""


def test_status_code_and_catch_all_handlers() -> None:
    assert_same(
        HANDLER_500_APP,
        [get("/value"), get("/key"), get("/missing")],
        raise_server_exceptions=False,
    )


ENDPOINT_APP = """
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

app = FastAPI()

@app.exception_handler(RequestValidationError)
async def handler(request: Request, exc: RequestValidationError):
    return JSONResponse(
        {"function": exc.endpoint_function, "path": exc.endpoint_path, "line": exc.endpoint_line, "file": exc.endpoint_file is not None},
        status_code=422,
    )

router = APIRouter(prefix="/r")

@router.get("/items/{item_id}")
def read_item(item_id: int):
    return item_id

app.include_router(router)

@app.post("/body")
def body(x: dict):
    return x
"""

ENDPOINT_CALLS = [
    get("/r/items/x"),
    post("/body", content=b"{bad", headers={"content-type": "application/json"}),
    post("/body"),
]


def test_validation_errors_name_their_endpoint() -> None:
    """``exc.endpoint_path`` (and no source for exec'd code), as FastAPI 0.165 sets them."""
    assert_same(ENDPOINT_APP, ENDPOINT_CALLS)


def test_validation_errors_name_their_endpoint_source(tmp_path: Path) -> None:
    theirs, ours = build_pair_from_files(ENDPOINT_APP, tmp_path)
    found = []
    for module, client_class in ((theirs, fastapi.testclient.TestClient), (ours, zephyr.testclient.TestClient)):
        with client_class(module.app) as client:
            found.append([client.request(c.method, c.url, **c.kwargs).json() for c in ENDPOINT_CALLS])
    assert found[1] == found[0]
    assert found[0][0] == {"function": "read_item", "path": "GET /r/items/{item_id}", "line": 17, "file": True}


CONSTRUCTOR_HANDLERS_APP = """
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.exception_handlers import http_exception_handler

class Boom(Exception):
    pass

def sync_handler(request: Request, exc: Boom):
    return PlainTextResponse("sync handled", status_code=599)

async def not_found(request: Request, exc: HTTPException):
    return JSONResponse({"nf": request.url.path, "detail": exc.detail}, status_code=404, headers={"x-custom": "nf"})

app = FastAPI(exception_handlers={Boom: sync_handler, 404: not_found})

@app.exception_handler(418)
async def teapot(request, exc):
    return await http_exception_handler(request, exc)

@app.get("/boom")
def boom():
    raise Boom()

@app.get("/missing-item")
def missing():
    raise HTTPException(404, "no item")

@app.get("/tea")
def tea():
    raise HTTPException(418, "short and stout", headers={"x-error": "t"})

@app.get("/int/{n}")
def as_int(n: int):
    return n
"""


def test_handlers_given_to_the_constructor_sync_handlers_and_status_handlers() -> None:
    assert_same(
        CONSTRUCTOR_HANDLERS_APP,
        [get("/boom"), get("/missing-item"), get("/nowhere"), get("/tea"), get("/int/x"), Call("POST", "/boom")],
    )

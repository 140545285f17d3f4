# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""FastAPI's advanced user guide: callable dependencies, yield exits, extra responses, openapi_extra, router defaults."""

from __future__ import annotations

from tests.compat.harness import Call, assert_same, get, post

ADVANCED_APP = """
from typing import Annotated, Any
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict

app = FastAPI(responses={418: {"description": "Teapot everywhere"}})

class FixedContentQueryChecker:
    def __init__(self, fixed_content: str):
        self.fixed_content = fixed_content

    def __call__(self, q: str = ""):
        if q:
            return self.fixed_content in q
        return False

checker = FixedContentQueryChecker("bar")

@app.get("/query-checker/")
async def read_query_check(fixed_content_included: Annotated[bool, Depends(checker)]):
    return {"fixed_content_in_query": fixed_content_included}

class Item(BaseModel):
    id: str
    value: str

class Message(BaseModel):
    message: str

@app.get(
    "/items/{item_id}",
    response_model=Item,
    responses={
        404: {"model": Message, "description": "The item was not found"},
        200: {"description": "Item requested by ID", "content": {"image/png": {}}},
    },
)
async def read_item(item_id: str, img: bool | None = None):
    if img:
        return PlainTextResponse("fake png", media_type="image/png")
    if item_id == "foo":
        return {"id": "foo", "value": "there goes my hero"}
    return JSONResponse(status_code=404, content={"message": "Item not found"})

class ORMish:
    def __init__(self):
        self.id = "orm"
        self.value = "from attributes"
        self.hidden = "x"

class FromAttrs(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    value: str

@app.get("/orm", response_model=FromAttrs)
async def orm():
    return ORMish()

log = []

class InternalError(Exception):
    pass

async def get_username():
    try:
        yield "Rick"
    except InternalError:
        log.append("We don't swallow the internal error here, we raise again")
        raise
    finally:
        log.append("exit")

@app.get("/yield-items/{item_id}")
def get_item(item_id: str, username: Annotated[str, Depends(get_username)]):
    if item_id == "portal-gun":
        raise InternalError(f"The portal gun is too dangerous to be owned by {username}")
    if item_id != "plumbus":
        raise HTTPException(status_code=404, detail="Item not found, there's only a plumbus here")
    return item_id

async def dep_raising_on_exit():
    yield "v"
    raise HTTPException(status_code=400, detail="raised after yield")

@app.get("/exit-error")
def exit_error(v: Annotated[str, Depends(dep_raising_on_exit)]):
    return v

def function_scoped():
    log.append("fn enter")
    yield "fs"
    log.append("fn exit")

@app.get("/function-scope")
def function_scope(v: Annotated[str, Depends(function_scoped, scope="function")]):
    log.append("endpoint")
    return v

@app.get("/log")
def get_log():
    found = list(log)
    log.clear()
    return found

def magic_data_reader(raw_body: bytes):
    return {"size": len(raw_body), "content": {"name": "Maaaagic", "price": 42}}

@app.post(
    "/openapi-extra/",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": {"required": ["name", "price"], "type": "object", "properties": {"name": {"type": "string"}, "price": {"type": "number"}}}}},
            "required": True,
        },
        "x-aperture-labs-portal": "blue",
    },
)
async def create_item(request: Request):
    raw_body = await request.body()
    data = magic_data_reader(raw_body)
    return data

router = APIRouter(prefix="/html", default_response_class=HTMLResponse, responses={404: {"description": "Not here"}}, include_in_schema=True, deprecated=True)

@router.get("/page")
def page():
    return "<b>page</b>"

@router.get("/json", response_class=JSONResponse)
def json_page():
    return {"x": 1}

hidden = APIRouter(include_in_schema=False)

@hidden.get("/hidden")
def hidden_route():
    return "hidden"

app.include_router(router)
app.include_router(hidden)

@app.get("/status-by-response", response_model=None, status_code=202)
def status_by_response(response: Response, code: int = 0) -> Any:
    if code:
        response.status_code = code
    response.headers["x-custom"] = "set"
    return {"code": code}

@app.get("/exception-keeps-response-headers")
def exc_response(response: Response):
    response.headers["x-custom"] = "lost"
    raise HTTPException(status_code=409, detail="conflict", headers={"x-error": "kept"})
"""


def test_advanced_user_guide() -> None:
    assert_same(
        ADVANCED_APP,
        [
            get("/query-checker/?q=foobar"),
            get("/query-checker/?q=foo"),
            get("/query-checker/"),
            get("/items/foo"),
            get("/items/bar"),
            get("/items/foo?img=1"),
            get("/orm"),
            get("/yield-items/plumbus"),
            get("/log"),
            get("/yield-items/nope"),
            get("/log"),
            get("/exit-error"),
            get("/function-scope"),
            get("/log"),
            post("/openapi-extra/", content=b'{"name": "x"}'),
            get("/html/page"),
            get("/html/json"),
            get("/hidden"),
            get("/status-by-response"),
            get("/status-by-response?code=203"),
            get("/status-by-response?code=204"),
            get("/exception-keeps-response-headers"),
            Call("GET", "/yield-items/portal-gun"),
        ],
        raise_server_exceptions=False,
    )

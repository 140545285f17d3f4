# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Path, query, header and cookie parameters answer as on FastAPI, 422 bodies and OpenAPI included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.harness import Call, assert_same, get, post

PATH_APP = """
from enum import Enum
from typing import Annotated
from fastapi import FastAPI, Path

app = FastAPI()

class ModelName(str, Enum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"

@app.get("/items/{item_id}")
async def read_item(item_id: int):
    return {"item_id": item_id}

@app.get("/users/me")
async def read_user_me():
    return {"user_id": "the current user"}

@app.get("/users/{user_id}")
async def read_user(user_id: str):
    return {"user_id": user_id}

@app.get("/models/{model_name}")
async def get_model(model_name: ModelName):
    if model_name is ModelName.alexnet:
        return {"model_name": model_name, "message": "Deep Learning FTW!"}
    if model_name.value == "lenet":
        return {"model_name": model_name, "message": "LeCNN all the images"}
    return {"model_name": model_name, "message": "Have some residuals"}

@app.get("/files/{file_path:path}")
async def read_file(file_path: str):
    return {"file_path": file_path}

@app.get("/floats/{x}")
def floats(x: float, b: bool = False):
    return {"x": x, "b": b}

@app.get("/constrained/{item_id}")
async def constrained(
    item_id: Annotated[int, Path(title="The ID of the item to get", ge=1, le=1000)],
    size: Annotated[float, Path(gt=0, lt=10.5)] = 1,
):
    return {"item_id": item_id}

@app.get("/both/{item_id}/sizes/{size}")
async def both(
    item_id: Annotated[int, Path(title="The ID", ge=0, le=1000)],
    size: Annotated[float, Path(gt=0, lt=10.5)],
    q: str | None = None,
):
    return {"item_id": item_id, "size": size, "q": q}
"""


def test_path_params() -> None:
    assert_same(
        PATH_APP,
        [
            get("/items/3"),
            get("/items/foo"),
            get("/items/3.5"),
            get("/users/me"),
            get("/users/bob"),
            get("/models/alexnet"),
            get("/models/lenet"),
            get("/models/resnet"),
            get("/models/vgg"),
            get("/files/home/johndoe/myfile.txt"),
            get("/files//etc/passwd"),
            get("/floats/1.5?b=yes"),
            get("/floats/1e3?b=off"),
            get("/floats/x?b=maybe"),
            get("/constrained/0"),
            get("/constrained/1001"),
            get("/constrained/5"),
            get("/both/5/sizes/11"),
            get("/both/5/sizes/0"),
            get("/both/-1/sizes/2.5?q=a"),
            get("/both/5/sizes/2.5?q=a"),
            get("/items/%E2%82%AC"),
            get("/nope"),
            Call("POST", "/items/3"),
            Call("DELETE", "/users/me"),
        ],
    )


QUERY_APP = """
from typing import Annotated, Literal, Union
from fastapi import FastAPI, Query
from pydantic import AfterValidator, BaseModel, Field

app = FastAPI()

fake_items_db = [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]

@app.get("/items/")
async def read_items(skip: int = 0, limit: int = 10):
    return fake_items_db[skip : skip + limit]

@app.get("/items/{item_id}")
async def read_item(
    item_id: str, needy: str, q: str | None = None, short: bool = False, limit: Union[int, None] = None
):
    item = {"item_id": item_id, "needy": needy, "limit": limit}
    if q:
        item.update({"q": q})
    if not short:
        item.update({"description": "This is an amazing item that has a long description"})
    return item

@app.get("/search/")
async def search(
    q: Annotated[
        str | None,
        Query(
            alias="item-query",
            title="Query string",
            description="Query string for the items to search in the database that have a good match",
            min_length=3,
            max_length=50,
            pattern="^fixedquery$",
            deprecated=True,
        ),
    ] = None,
):
    results = {"items": [{"item_id": "Foo"}, {"item_id": "Bar"}]}
    if q:
        results.update({"q": q})
    return results

@app.get("/lists/")
async def lists(q: Annotated[list[str] | None, Query()] = None, n: Annotated[list[int], Query()] = [1, 2]):
    return {"q": q, "n": n}

@app.get("/hidden/")
async def hidden(hidden_query: Annotated[str | None, Query(include_in_schema=False)] = None):
    return {"hidden_query": hidden_query if hidden_query else "Not found"}

@app.get("/required/")
async def required(q: Annotated[str, Query(min_length=3)], n: Annotated[int, Query(gt=0, le=5, multiple_of=1)] = 1):
    return {"q": q, "n": n}

@app.get("/old/")
async def old(q: str | None = Query(default=None, max_length=5, pattern="^a")):
    return {"q": q}

def check_valid_id(id: str):
    if not id.startswith(("isbn-", "imdb-")):
        raise ValueError('Invalid ID format, it must start with "isbn-" or "imdb-"')
    return id

@app.get("/validated/")
async def validated(id: Annotated[str | None, AfterValidator(check_valid_id)] = None):
    return {"id": id}

class FilterParams(BaseModel):
    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []

@app.get("/model/")
async def model_query(filter_query: Annotated[FilterParams, Query()]):
    return filter_query

class StrictParams(BaseModel):
    model_config = {"extra": "forbid"}
    limit: int = Field(100, gt=0, le=100)
    tags: list[str] = []

@app.get("/strict/")
async def strict_query(filter_query: Annotated[StrictParams, Query()]):
    return filter_query

@app.get("/many/")
async def many(a: int, b: float = 1.0, c: bool | None = None, d: Literal["x", "y"] = "x", e: bytes = b"z"):
    return {"a": a, "b": b, "c": c, "d": d, "e": e.decode()}
"""


def test_query_params() -> None:
    assert_same(
        QUERY_APP,
        [
            get("/items/"),
            get("/items/?skip=1&limit=1"),
            get("/items/?skip=x&limit=y"),
            get("/items/foo"),
            get("/items/foo?needy=n"),
            get("/items/foo?needy=n&q=hi&short=1&limit=3"),
            get("/items/foo?needy=n&short=true"),
            get("/items/foo?needy=n&short=no&limit=x"),
            get("/search/"),
            get("/search/?item-query=fixedquery"),
            get("/search/?item-query=fq"),
            get("/search/?item-query=somethingelse"),
            get("/search/?q=fixedquery"),
            get("/lists/"),
            get("/lists/?q=a&q=b&n=3&n=4"),
            get("/lists/?n=a"),
            get("/hidden/?hidden_query=x"),
            get("/hidden/"),
            get("/required/"),
            get("/required/?q=ab&n=7"),
            get("/required/?q=abc&n=0"),
            get("/required/?q=abc&n=2"),
            get("/old/?q=abcdefg"),
            get("/old/?q=bcd"),
            get("/old/?q=abc"),
            get("/validated/?id=isbn-1"),
            get("/validated/?id=x"),
            get("/model/"),
            get("/model/?limit=5&offset=2&order_by=updated_at&tags=a&tags=b"),
            get("/model/?limit=500&order_by=x"),
            get("/model/?extra=1"),
            get("/strict/?limit=5"),
            get("/strict/?limit=5&tool=plumbus"),
            get("/many/?a=1"),
            get("/many/?a=1&b=2&c=on&d=y&e=abc"),
            get("/many/?a=x&b=y&c=z&d=w"),
        ],
    )


HEADER_COOKIE_APP = """
from typing import Annotated
from fastapi import Cookie, FastAPI, Header
from pydantic import BaseModel

app = FastAPI()

@app.get("/items/")
async def read_items(
    user_agent: Annotated[str | None, Header()] = None,
    strange_header: Annotated[str | None, Header(convert_underscores=False)] = None,
    x_token: Annotated[list[str] | None, Header()] = None,
):
    return {"User-Agent": user_agent, "strange_header": strange_header, "X-Token values": x_token}

@app.get("/required/")
async def required(x_key: Annotated[str, Header()], x_num: Annotated[int, Header(ge=3)] = 3):
    return {"x_key": x_key, "x_num": x_num}

@app.get("/cookies/")
async def cookies(ads_id: Annotated[str | None, Cookie()] = None, session: Annotated[int, Cookie()] = 0):
    return {"ads_id": ads_id, "session": session}

@app.get("/cookie-required/")
async def cookie_required(token: Annotated[str, Cookie(min_length=2)]):
    return {"token": token}

class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    if_modified_since: str | None = None
    traceparent: str | None = None
    x_tag: list[str] = []

@app.get("/header-model/")
async def header_model(headers: Annotated[CommonHeaders, Header()]):
    return headers

class StrictHeaders(BaseModel):
    model_config = {"extra": "forbid"}
    host: str
    save_data: bool

@app.get("/header-strict/")
async def header_strict(headers: Annotated[StrictHeaders, Header()]):
    return headers

class Cookies(BaseModel):
    session_id: str
    fatebook_tracker: str | None = None
    googall_tracker: str | None = None

@app.get("/cookie-model/")
async def cookie_model(cookies: Annotated[Cookies, Cookie()]):
    return cookies

class StrictCookies(BaseModel):
    model_config = {"extra": "forbid"}
    session_id: str

@app.get("/cookie-strict/")
async def cookie_strict(cookies: Annotated[StrictCookies, Cookie()]):
    return cookies
"""


def test_headers_and_cookies() -> None:
    assert_same(
        HEADER_COOKIE_APP,
        [
            get("/items/"),
            get("/items/", headers={"user-agent": "ua/1", "strange_header": "s", "x-token": "a"}),
            get("/items/", headers=[("x-token", "foo"), ("x-token", "bar"), ("strange-header", "t")]),
            get("/items/", headers={"x_token": "under"}),
            get("/required/"),
            get("/required/", headers={"x-key": "k", "x-num": "2"}),
            get("/required/", headers={"x-key": "k", "x-num": "9"}),
            get("/cookies/"),
            get("/cookies/", headers={"cookie": "ads_id=abc; session=5"}),
            get("/cookies/", headers={"cookie": "session=x"}),
            get("/cookie-required/"),
            get("/cookie-required/", headers={"cookie": "token=a"}),
            get("/cookie-required/", headers={"cookie": "token=abc"}),
            get("/header-model/"),
            get("/header-model/", headers={"save-data": "true", "x-tag": "a"}),
            get("/header-model/", headers=[("save-data", "no"), ("x-tag", "a"), ("x-tag", "b")]),
            get("/header-model/", headers={"save-data": "maybe"}),
            get("/header-strict/", headers={"save-data": "1"}),
            get("/header-strict/", headers={"save-data": "1", "tool": "plumbus"}),
            get("/cookie-model/"),
            get("/cookie-model/", headers={"cookie": "session_id=1; fatebook_tracker=2; other=3"}),
            get("/cookie-strict/", headers={"cookie": "session_id=1"}),
            get("/cookie-strict/", headers={"cookie": "session_id=1; santa_tracker=good-list-please"}),
        ],
    )


DEFAULTS_APP = """
from typing import Annotated
from fastapi import FastAPI, Body, Query, Header, Cookie, Depends
from pydantic import BaseModel, Field

app = FastAPI()

class Item(BaseModel):
    name: str
    tags: list[str] = Field(default_factory=list)

@app.post("/opt-embed")
def opt_embed(item: Annotated[Item | None, Body(embed=True)] = None):
    return {"item": item}

@app.post("/factory")
def factory(tags: Annotated[list[str], Body(default_factory=lambda: ["d"])], q: Annotated[list[int], Query(default_factory=lambda: [1])]):
    return {"tags": tags, "q": q}

@app.post("/media", )
def media(item: Annotated[Item, Body(media_type="application/vnd.api+json")]):
    return item

@app.get("/title")
def title(q: Annotated[str | None, Query(title="Q title", description="Q desc", examples=["e1"], min_length=1)] = None,
          h: Annotated[int | None, Header(alias="X-Count", gt=0)] = None,
          c: Annotated[str, Cookie(max_length=3)] = "abc"):
    return {"q": q, "h": h, "c": c}

class Paging(BaseModel):
    page: int = Field(1, ge=1, description="Page number")
    size: int = Field(10, le=50, alias="page-size")

@app.get("/paging")
def paging(p: Annotated[Paging, Query()]):
    return p

@app.get("/paging-dep")
def paging_dep(p: Annotated[Paging, Depends()]):
    return p
"""


def test_optional_embeds_default_factories_media_types_and_models_as_dependencies() -> None:
    assert_same(
        DEFAULTS_APP,
        [
            post("/opt-embed"),
            post("/opt-embed", json={}),
            post("/opt-embed", json={"item": {"name": "x"}}),
            post("/opt-embed", json={"item": None}),
            post("/factory"),
            post("/factory?q=5", json=["x"]),
            post("/factory", json={"tags": ["y"]}),
            post("/media", json={"name": "m"}),
            post("/media", content=b'{"name": "m"}', headers={"content-type": "application/vnd.api+json"}),
            get("/title?q=&c=abcd", headers={"x-count": "0"}),
            get("/title?q=x", headers={"x-count": "3", "cookie": "c=ab"}),
            get("/paging?page=0&page-size=100"),
            get("/paging?page=2&page-size=20&size=7"),
            get("/paging-dep?page=3"),
            get("/paging-dep?page=x"),
        ],
    )


PARSING_APP = """
from typing import Annotated
from fastapi import FastAPI, Cookie, Request, Header, Query

app = FastAPI()

@app.get("/c")
def c(request: Request, a: Annotated[str | None, Cookie()] = None, b: Annotated[str | None, Cookie()] = None):
    return {"a": a, "b": b, "all": request.cookies}

@app.get("/h")
def h(x_one: Annotated[str | None, Header()] = None):
    return {"x": x_one}

@app.get("/q")
def q(items: Annotated[list[str] | None, Query(alias="item")] = None, n: int | None = None):
    return {"items": items, "n": n}
"""


def test_cookie_header_and_query_string_parsing() -> None:
    cookies = [
        "a=1; b=2",
        'a="quoted value"; b=x',
        "a=1;b=2;a=3",
        "a",
        "=x; a=2",
        'a=%20b; b=\\"x\\"',
        "a=1; ; b",
        " a = 1 ; b= 2 ",
    ]
    calls = [get("/c", headers={"cookie": v}) for v in cookies]
    calls += [get("/h", headers=[("x-one", "1"), ("x-one", "2")]), get("/h", headers={"X_ONE": "u"})]
    calls += [
        get("/q?item=a&item=&item=b"),
        get("/q?item="),
        get("/q?n="),
        get("/q?n=%20"),
        get("/q?item=%ZZ&n=1"),
        get("/q?&&item=x&"),
        get("/q?item=a+b&item=c%2Bd"),
    ]
    assert_same(PARSING_APP, calls)


DEPRECATED_APP = """
from typing import Annotated
from fastapi import FastAPI, Query, Body, Path
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    a: int

@app.get("/a/{p}")
def a(p: Annotated[int, Path(example=3)], q: Annotated[str | None, Query(regex="^x", example="x")] = None):
    return q

@app.post("/b")
def b(item: Annotated[Item, Body(example={"a": 1})]):
    return item
"""


def test_deprecated_example_and_regex() -> None:
    """``example=`` is documented beside the schema (parameter or media type), not inside it; ``regex=`` works."""
    assert_same(DEPRECATED_APP, [get("/a/1?q=xy"), get("/a/1?q=y"), post("/b", json={"a": 1})], deprecated=True)


CONTAINERS_APP = """
from typing import Annotated, Union, Optional, List
from fastapi import FastAPI, Query, Body

app = FastAPI()

@app.get("/bare")
def bare(q: Annotated[list, Query()] = []):
    return q

@app.get("/typing-list")
def typing_list(q: Optional[List[int]] = Query(None), r: Union[str, None] = Query(default=None, max_length=3)):
    return {"q": q, "r": r}

@app.get("/tuple")
def tup(t: Annotated[tuple[int, int] | None, Query()] = None, s: Annotated[set[str], Query()] = set()):
    return {"t": t, "s": sorted(s)}

@app.post("/bare-body")
def bare_body(data: dict = Body(...), items: list = Body(...)):
    return {"data": data, "items": items}
"""


def test_bare_and_typing_containers_tuples_and_sets() -> None:
    assert_same(
        CONTAINERS_APP,
        [
            get("/bare"),
            get("/bare?q=1&q=a"),
            get("/typing-list?q=1&q=2&r=abcd"),
            get("/typing-list?q=x"),
            get("/tuple?t=1&t=2&s=b&s=a&s=b"),
            get("/tuple?t=1"),
            post("/bare-body", json={"data": {"a": 1}, "items": [1, "x"]}),
            post("/bare-body", json={"data": [], "items": {}}),
        ],
    )


PATH_ALIAS_CHOICES_APP = """
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Path
from pydantic import AliasChoices, AliasPath

app = FastAPI()
router = APIRouter()
Identifier = Annotated[int, Path(alias="unused", validation_alias=AliasChoices("item_id", "id"), ge=1)]

def get_identifier(value: Identifier):
    return value

@router.get("/")
def read(value: Annotated[int, Depends(get_identifier)]):
    return {"value": value}

app.include_router(router, prefix="/items/{item_id}")
app.include_router(router, prefix="/legacy/{id}")

@app.get("/mixed/{first}/{value}")
def mixed(value: Annotated[int, Path(validation_alias=AliasChoices("first", AliasPath("value")))], first: int):
    return {"value": value, "first": first}
"""


def test_path_alias_choices_read_the_segment_each_route_names() -> None:
    """One dependency under two prefixes: each route reads the choice its own path declares (and 422s by it)."""
    calls = [
        get("/items/3/"),
        get("/legacy/4/"),
        get("/items/zero/"),
        get("/legacy/0/"),
        get("/mixed/1/2"),
    ]
    assert_same(PATH_ALIAS_CHOICES_APP, calls)


SINGLE_ALIAS_CHOICES_APP = """
from typing import Annotated
from fastapi import Cookie, FastAPI, Header, Query
from pydantic import AliasChoices

app = FastAPI()

@app.get("/query")
def query(
    value: Annotated[int, Query(alias="ignored", validation_alias=AliasChoices("first", "second"))],
    items: Annotated[list[str], Query(validation_alias=AliasChoices("item", "tag"))] = [],
):
    return {"value": value, "items": items}

@app.get("/header")
def header(token: Annotated[int, Header(validation_alias=AliasChoices("x-token", "x-key"))]):
    return {"token": token}

@app.get("/cookie")
def cookie(session: Annotated[str | None, Cookie(validation_alias=AliasChoices("sid", "session_id"))] = None):
    return {"session": session}
"""


def test_single_parameters_read_the_first_alias_choice_sent() -> None:
    """``AliasChoices`` on a single parameter: the first choice sent is read, and its errors name that choice."""
    calls = [
        get("/query?first=1"),
        get("/query?second=2&tag=a&tag=b"),
        get("/query?first=1&second=2&item=x&tag=y"),
        get("/query"),
        get("/query?second=oops"),
        get("/query?ignored=1"),
        get("/header", headers={"x-key": "3"}),
        get("/header", headers={"X-Token": "4", "x-key": "5"}),
        get("/header", headers={"x-key": "no"}),
        get("/header"),
        get("/cookie", headers={"cookie": "session_id=abc"}),
        get("/cookie", headers={"cookie": "sid=a; session_id=b"}),
        get("/cookie"),
    ]
    assert_same(SINGLE_ALIAS_CHOICES_APP, calls)


PARAM_FACTORY_APP = """
from typing import Annotated
from fastapi import Body, Cookie, Depends, FastAPI, Header, Query
from pydantic import AfterValidator

app = FastAPI()
calls = []

def tags():
    calls.append(1)
    return ["t"]

def zero():
    calls.append(1)
    return 0

def positive(value: int) -> int:
    if value <= 0:
        raise ValueError("must be positive")
    return value

@app.get("/query")
def query(n: int, t: Annotated[list[str], Query(default_factory=tags)]):
    return [n, t]

@app.post("/body-after")
def body_after(n: Annotated[str, Body()], t: Annotated[list[str], Query(default_factory=tags)]):
    return [n, t]

@app.get("/validated")
def validated(t: Annotated[Annotated[int, AfterValidator(positive)], Query(default_factory=zero, validate_default=True)]):
    return t

@app.get("/headers")
def headers(
    n: int,
    x: Annotated[list[str], Header(default_factory=tags)],
    c: Annotated[list[str] | None, Cookie(default_factory=tags)],
):
    return [n, x, c]

def dependency(t: Annotated[list[str], Query(default_factory=tags)]):
    return t

@app.get("/dependency")
def in_dependency(t: Annotated[list[str], Depends(dependency)], n: int):
    return [n, t]

@app.get("/calls")
def count():
    made = len(calls)
    calls.clear()
    return made
"""


@pytest.mark.current_reference
def test_a_parameter_default_factory_runs_once_per_request_as_on_fastapi() -> None:
    """A query, header or cookie default factory runs once per request, also when the request fails validation."""
    rows: list[Call] = []
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/query?n=1", {}),
        ("/query?n=x", {}),  # another parameter fails: the default is made once, on the exact path
        ("/query?n=1&t=a", {}),
        ("/body-after", {"json": "a"}),
        ("/body-after", {"json": {"n": 1}}),  # the body fails after the parameters were valid
        ("/validated", {}),  # the factory's 0 fails validate_default
        ("/validated?t=2", {}),
        ("/headers?n=1", {}),
        ("/headers?n=x", {}),
        ("/dependency?n=1", {}),
        ("/dependency?n=x", {}),
    ]
    for url, kwargs in cases:
        rows += [Call("POST" if url == "/body-after" else "GET", url, kwargs), get("/calls")]
    assert_same(PARAM_FACTORY_APP, rows, openapi=False)

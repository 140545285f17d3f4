# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""OpenAPI documents equal FastAPI's key by key: metadata, tags, operation ids, callbacks, webhooks, schemas."""

from __future__ import annotations

import pytest

from tests.compat.harness import assert_same, get, post

METADATA_APP = '''
from enum import Enum
from typing import Annotated, Literal
from fastapi import FastAPI, APIRouter, Query, Body, Path, Header, Cookie, Depends
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

description = """
ChimichangApp API helps you do awesome stuff. 🚀

## Items

You can **read items**.
"""

tags_metadata = [
    {"name": "users", "description": "Operations with users. The **login** logic is also here."},
    {"name": "items", "description": "Manage items. So _fancy_ they have their own docs.", "externalDocs": {"description": "Items external docs", "url": "https://fastapi.tiangolo.com/"}},
]

app = FastAPI(
    title="ChimichangApp",
    description=description,
    summary="Deadpool's favorite app. Nuff said.",
    version="0.0.1",
    terms_of_service="http://example.com/terms/",
    contact={"name": "Deadpoolio the Amazing", "url": "http://x-force.example.com/contact/", "email": "dp@x-force.example.com"},
    license_info={"name": "Apache 2.0", "identifier": "MIT"},
    openapi_tags=tags_metadata,
    servers=[{"url": "https://stag.example.com", "description": "Staging environment"}],
)

class Tags(Enum):
    items = "items"
    users = "users"

class Item(BaseModel):
    name: str = Field(examples=["Foo"])
    description: str | None = Field(default=None, description="Long text")
    price: float
    tax: float | None = None
    tags: set[str] = set()
    kind: Literal["a", "b"] = "a"

class ItemOut(BaseModel):
    name: str
    price: float = 1.0

@app.get("/items/", tags=[Tags.items], operation_id="some_specific_id_you_define")
async def read_items():
    return [{"name": "Foo", "price": 42}]

@app.post(
    "/items/",
    response_model=ItemOut,
    summary="Create an item",
    response_description="The created item",
    tags=["items"],
    status_code=201,
)
async def create_item(item: Item):
    """
    Create an item with all the information:

    - **name**: each item must have a name
    - **description**: a long description
    \\f
    :param item: User input.
    """
    return item

@app.get("/users/", tags=[Tags.users], deprecated=True)
async def read_users():
    return [{"username": "johndoe"}]

@app.get("/elements/", tags=["items"], include_in_schema=False)
async def read_elements():
    return [{"item_id": "Foo"}]

@app.get("/params/{p}", openapi_extra={"x-aperture-labs-portal": "blue"})
async def params(
    p: Annotated[int, Path(description="The p", examples=[3])],
    q: Annotated[str | None, Query(description="Query", openapi_examples={"a": {"summary": "A", "value": "a"}})] = None,
    h: Annotated[str | None, Header(deprecated=True)] = None,
    c: Annotated[int, Cookie(title="Cookie C")] = 3,
    lst: Annotated[list[int], Query()] = [],
):
    return {}

class Shared(BaseModel):
    x: int
    y: "list[Shared]" = []

@app.put("/shared/")
async def shared(a: Shared, b: Annotated[Shared, Body()]) -> Shared:
    return a

@app.get("/union-response", responses={404: {"model": ItemOut, "description": "Missing"}, "5XX": {"description": "Server"}, 302: {"content": {"text/html": {}}}})
async def union_response() -> Item | ItemOut:
    return ItemOut(name="x")
'''


def test_metadata_tags_and_operations() -> None:
    assert_same(METADATA_APP, [get("/items/"), get("/params/1?lst=1&lst=2")])


UNIQUE_ID_APP = """
from fastapi import FastAPI, APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel

def custom_generate_unique_id(route: APIRoute):
    return f"{route.tags[0]}-{route.name}"

app = FastAPI(generate_unique_id_function=custom_generate_unique_id)

class Item(BaseModel):
    name: str
    price: float

class ResponseMessage(BaseModel):
    message: str

@app.post("/items/", response_model=ResponseMessage, tags=["items"])
async def create_item(item: Item):
    return {"message": "Item received"}

@app.get("/items/", response_model=list[Item], tags=["items"])
async def get_items():
    return [{"name": "Plumbus", "price": 3}]

router = APIRouter(generate_unique_id_function=lambda route: "r_" + route.name)

@router.post("/users/", tags=["users"])
async def create_user(item: Item):
    return item

def use_route_names_as_operation_ids(app: FastAPI) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute):
            route.operation_id = route.name

@app.get("/named/", tags=["x"])
async def read_named():
    return {}

use_route_names_as_operation_ids(app)
"""


def test_generate_unique_id_and_route_names() -> None:
    assert_same(UNIQUE_ID_APP, [post("/items/", json={"name": "a", "price": 1}), get("/items/")])


CALLBACKS_APP = '''
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, HttpUrl
from datetime import datetime

app = FastAPI()

class Invoice(BaseModel):
    id: str
    title: str | None = None
    customer: str
    total: float

class InvoiceEvent(BaseModel):
    description: str
    paid: bool

class InvoiceEventReceived(BaseModel):
    ok: bool

invoices_callback_router = APIRouter()

@invoices_callback_router.post("{$callback_url}/invoices/{$request.body.id}", response_model=InvoiceEventReceived)
def invoice_notification(body: InvoiceEvent):
    pass

@app.post("/invoices/", callbacks=invoices_callback_router.routes)
def create_invoice(invoice: Invoice, callback_url: HttpUrl | None = None):
    return {"msg": "Invoice received"}

class Subscription(BaseModel):
    username: str
    monthly_fee: float
    start_date: datetime

@app.webhooks.post("new-subscription")
def new_subscription(body: Subscription):
    """
    When a new user subscribes to your service we'll send you a POST request with this
    data to the URL that you register for the event `new-subscription` in the dashboard.
    """
'''


def test_callbacks_and_webhooks() -> None:
    assert_same(
        CALLBACKS_APP,
        [
            post("/invoices/?callback_url=https://example.com", json={"id": "1", "customer": "c", "total": 3}),
            post("/invoices/?callback_url=nope", json={"id": "1"}),
        ],
    )


SEPARATE_APP = """
from fastapi import FastAPI
from pydantic import BaseModel, computed_field

class Item(BaseModel):
    name: str
    description: str | None = None

class Rect(BaseModel):
    w: int
    h: int

    @computed_field
    @property
    def area(self) -> int:
        return self.w * self.h

app = FastAPI(separate_input_output_schemas=SEPARATE)

@app.post("/items/")
def create_item(item: Item) -> Item:
    return item

@app.get("/items/")
def read_items() -> list[Item]:
    return [Item(name="Portal Gun", description="Device to travel through the multi-rick-verse"), Item(name="Plumbus")]

@app.post("/rect/")
def rect(r: Rect) -> Rect:
    return r
"""


def test_separate_input_output_schemas() -> None:
    calls = [
        post("/items/", json={"name": "n"}),
        get("/items/"),
        post("/rect/", json={"w": 2, "h": 3}),
    ]
    assert_same(SEPARATE_APP.replace("SEPARATE", "True"), calls)
    assert_same(SEPARATE_APP.replace("SEPARATE", "False"), calls)


CUSTOM_OPENAPI_APP = """
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

app = FastAPI(openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)

@app.get("/items/")
async def read_items():
    return [{"name": "Foo"}]

def custom_openapi():
    if app.openapi_schema:
        return app.openapi_schema
    openapi_schema = get_openapi(title="Custom title", version="2.5.0", summary="S", description="D", routes=app.routes)
    openapi_schema["info"]["x-logo"] = {"url": "https://fastapi.tiangolo.com/img/logo-margin/logo-teal.png"}
    app.openapi_schema = openapi_schema
    return app.openapi_schema

app.openapi = custom_openapi
"""


def test_custom_openapi_function() -> None:
    assert_same(
        CUSTOM_OPENAPI_APP,
        [get("/api/v1/openapi.json"), get("/openapi.json"), get("/docs"), get("/redoc")],
    )


NO_OPENAPI_APP = """
from fastapi import FastAPI

app = FastAPI(openapi_url=None)

@app.get("/")
def root():
    return {}
"""


def test_openapi_disabled() -> None:
    assert_same(NO_OPENAPI_APP, [get("/openapi.json"), get("/docs"), get("/redoc"), get("/")], openapi=False)


SCHEMAS_APP = """
from datetime import datetime, date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Generic, Literal, Optional, TypeVar, Union
from uuid import UUID
from fastapi import FastAPI, Query, Body
from pydantic import BaseModel, Field, computed_field, conint, constr, EmailStr, HttpUrl, AnyUrl, SecretStr, RootModel

app = FastAPI()

T = TypeVar("T")

class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int

class Kind(str, Enum):
    a = "a"
    b = "b"

class Node(BaseModel):
    value: int
    children: list["Node"] = []

class Rich(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"id": 1}]}}
    id: conint(ge=1)
    code: constr(pattern=r"^[A-Z]{3}$") = "ABC"
    kind: Kind = Kind.a
    lit: Literal[1, 2] = 1
    pair: tuple[int, str] = (1, "a")
    mapping: dict[str, list[int]] = {}
    maybe: Optional[Decimal] = None
    when: datetime | None = None
    day: date | None = None
    uid: UUID | None = None
    url: HttpUrl | None = None
    secret: SecretStr | None = None
    old: int | None = Field(default=None, deprecated=True)
    extra_field: str = Field(default="x", json_schema_extra={"x-extra": True}, description="D", title="T")

    @computed_field
    @property
    def doubled(self) -> int:
        return self.id * 2

class Wrapper(RootModel[list[int]]):
    pass

class Cat(BaseModel):
    pet_type: Literal["cat"]

class Dog(BaseModel):
    pet_type: Literal["dog"]

Pet = Annotated[Union[Cat, Dog], Field(discriminator="pet_type")]

@app.post("/rich")
def rich(r: Rich) -> Rich:
    return r

@app.get("/page")
def page() -> Page[Node]:
    return Page[Node](items=[Node(value=1, children=[Node(value=2)])], total=1)

@app.post("/root")
def root(w: Wrapper) -> Wrapper:
    return w

@app.post("/pet")
def pet(p: Annotated[Pet, Body()]) -> Pet:
    return p

@app.get("/kinds")
def kinds(k: Annotated[list[Kind], Query()] = [Kind.a], d: Decimal = Decimal("1.5"), u: UUID | None = None, lit: Literal["x", "y"] | None = None) -> dict[str, Any]:
    return {"k": k, "d": d, "u": u, "lit": lit}

@app.get("/any")
def any_route(x: Any = None):
    return x
"""


def test_rich_schemas_generics_root_models_and_discriminators() -> None:
    assert_same(
        SCHEMAS_APP,
        [
            post("/rich", json={"id": 1}),
            post(
                "/rich", json={"id": 0, "code": "abc", "kind": "c", "lit": 3, "pair": [1], "url": "nope", "maybe": "x"}
            ),
            post(
                "/rich",
                json={
                    "id": 2,
                    "maybe": "1.20",
                    "when": "2020-01-01T00:00:00Z",
                    "uid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "secret": "s",
                    "url": "https://x.org/a?b=c",
                },
            ),
            get("/page"),
            post("/root", json=[1, 2]),
            post("/root", json={"a": 1}),
            post("/pet", json={"pet_type": "dog"}),
            post("/pet", json={"pet_type": "x"}),
            get("/kinds?k=a&k=b&d=2.25&u=3fa85f64-5717-4562-b3fc-2c963f66afa6&lit=y"),
            get("/kinds?k=z&d=abc&u=1&lit=q"),
            get("/any?x=1"),
        ],
    )


DOCS_APP = """
from fastapi import FastAPI

app = FastAPI(title="Docs", swagger_ui_parameters={"deepLinking": False}, swagger_ui_init_oauth={"clientId": "c"})

@app.get("/")
def root():
    return {}
"""


def test_docs_pages_with_cdn_assets_are_fastapis() -> None:
    """Zephyr serves Swagger UI/ReDoc assets itself and adds ``/scalar`` by default (intended); with
    ``docs_assets_url=None, scalar_url=None`` the pages are FastAPI's byte for byte."""
    import fastapi.testclient

    import zephyr.testclient
    from tests.compat.harness import build_pair, translate

    theirs, _ = build_pair(DOCS_APP)
    ours_source = translate(DOCS_APP).replace(
        'swagger_ui_init_oauth={"clientId": "c"})',
        'swagger_ui_init_oauth={"clientId": "c"}, docs_assets_url=None, scalar_url=None)',
    )
    ours = build_pair(ours_source)[1]
    with fastapi.testclient.TestClient(theirs.app) as theirs_client, zephyr.testclient.TestClient(ours.app) as client:
        for path in ("/docs", "/redoc", "/docs/oauth2-redirect", "/scalar", "/openapi.json"):
            expected = theirs_client.get(path)
            found = client.get(path)
            assert (found.status_code, found.content) == (expected.status_code, expected.content), path


@pytest.mark.parametrize(
    "arguments",
    [
        'servers=[{"url": "https://x.org"}]',
        "root_path_in_servers=False",
        'servers=[{"url": "/proxy"}]',
        'openapi_external_docs={"description": "More", "url": "https://docs.example.org"}',
    ],
)
def test_servers_behind_a_proxy(arguments: str) -> None:
    source = f"""
from fastapi import FastAPI

app = FastAPI({arguments})

@app.get("/")
def root():
    return {{}}
"""
    assert_same(source, [get("/openapi.json"), get("/")], client_kwargs={"root_path": "/proxy"})

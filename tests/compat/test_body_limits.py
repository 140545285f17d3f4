"""FastAPI 0.16x's ``max_body_size`` and ``form_limits`` answer as on FastAPI (the installed release defines them).

The one deliberate difference: Zephyr's 413 carries ``Connection: close`` (the rest of the body is never read, so the
connection cannot carry another request); the harness compares the headers that matter, which leave it out.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator
from typing import Any

import fastapi
import pytest

import zephyr
from tests.compat.harness import Call, assert_same, post

LIMITS_APP = """
from typing import Annotated
from fastapi import APIRouter, FastAPI, File, Form, Request, UploadFile
from pydantic import BaseModel

app = FastAPI(max_body_size=40, form_limits={"max_fields": 3})

class Item(BaseModel):
    name: str

@app.post("/json")
def json_body(item: Item):
    return item

@app.post("/noread")
def noread():
    return {"ok": True}

@app.post("/stream")
async def stream(request: Request):
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    return {"total": total}

@app.post("/roomy", max_body_size=400)
def roomy(item: Item):
    return item

@app.post("/form")
def form(a: Annotated[str, Form()], b: Annotated[str, Form()] = ""):
    return {"a": a, "b": b}

@app.post("/one-field", form_limits={"max_fields": 1}, max_body_size=1000)
def one_field(a: Annotated[str, Form()]):
    return {"a": a}

@app.post("/part", form_limits={"max_part_size": 4}, max_body_size=1000)
def part(a: Annotated[str, Form()]):
    return {"a": a}

@app.post("/files", form_limits={"max_files": 1}, max_body_size=10_000)
def files(files: Annotated[list[UploadFile], File()]):
    return {"n": len(files)}

inner = APIRouter(max_body_size=60, form_limits={"max_fields": 2})

@inner.post("/r")
def inner_json(item: Item):
    return item

@inner.post("/f")
def inner_form(a: Annotated[str, Form()], b: Annotated[str, Form()] = ""):
    return {"a": a, "b": b}

@inner.post("/own", max_body_size=20)
def inner_own(item: Item):
    return item

app.include_router(inner, prefix="/inner", max_body_size=500, form_limits={"max_fields": 9})

plain = APIRouter()

@plain.post("/p")
def plain_json(item: Item):
    return item

app.include_router(plain, prefix="/plain", max_body_size=100)
"""


class _Chunks:
    """A body sent in chunks without Content-Length, which each client can iterate afresh."""

    def __init__(self, *parts: bytes) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.parts)


def _closing(calls: list[Call]) -> list[Call]:
    """Zephyr's 413 adds ``Connection: close`` on purpose (the rest of the body is never read): not compared."""
    return [dataclasses.replace(call, deliberate=("connection",)) for call in calls]


@pytest.mark.current_reference
def test_max_body_size_and_form_limits_answer_as_on_fastapi() -> None:
    name = {"name": "x" * 50}  # 63 bytes of JSON
    small = {"name": "x"}
    assert_same(
        LIMITS_APP,
        _closing(
            [
                post("/json", json=small),
                post("/json", json=name),  # Content-Length over the app's 40: plain-text 413
                post("/noread", content=b"x" * 41),  # even when the endpoint never reads the body
                post("/noread", content=b"x" * 40),
                post("/nowhere", content=b"x" * 41),  # and on a 404
                post("/nowhere", content=b"x" * 10),
                post("/roomy", json=name),  # the route's larger limit replaces the app's
                post("/roomy", json={"name": "x" * 500}),
                post("/form", data={"a": "1", "b": "2"}),
                post("/form", data={"a": "1", "b": "2", "c": "3", "d": "4"}),  # the app's max_fields=3
                post("/one-field", data={"a": "1", "b": "2"}),
                post("/part", data={"a": "12345"}),
                post("/part", data={"a": "1234"}),
                post("/files", files=[("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))]),
                post("/files", files=[("files", ("a.txt", b"a"))]),
                post("/inner/r", json=name),  # the included router's own 60 wins over include_router's 500
                post("/inner/r", json={"name": "x" * 40}),
                post("/inner/own", json={"name": "x" * 12}),  # the route's 20
                post("/inner/f", data={"a": "1", "b": "2", "c": "3"}),  # the router's own max_fields=2
                post("/plain/p", json=name),  # include_router's 100 when the router sets none
                post("/plain/p", json={"name": "x" * 100}),
            ]
        ),
        openapi=True,
    )


@pytest.mark.current_reference
def test_streamed_body_over_the_limit_is_a_json_413_as_on_fastapi() -> None:
    assert_same(
        LIMITS_APP,
        _closing(
            [
                Call("POST", "/stream", {"content": _Chunks(b"x" * 30, b"y" * 30)}),
                Call("POST", "/stream", {"content": _Chunks(b"x" * 10, b"y" * 10)}),
            ]
        ),
        openapi=False,
    )


def test_zephyr_413_closes_the_connection() -> None:
    app = zephyr.FastAPI(max_body_size=4)

    @app.post("/")
    async def endpoint(request: zephyr.Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    with zephyr.testclient.TestClient(app) as client:
        response = client.post("/", content=b"12345")
    assert (response.status_code, response.text, response.headers["connection"]) == (413, "Content Too Large", "close")


@pytest.mark.current_reference  # FastAPI added both keywords after 0.162.5, the newest on Python 3.10
@pytest.mark.parametrize(
    ("owner", "fastapi_obj", "zephyr_obj"),
    [
        ("FastAPI", fastapi.FastAPI.__init__, zephyr.FastAPI.__init__),
        ("APIRouter", fastapi.APIRouter.__init__, zephyr.APIRouter.__init__),
        ("include_router", fastapi.APIRouter.include_router, zephyr.APIRouter.include_router),
        ("app.include_router", fastapi.FastAPI.include_router, zephyr.FastAPI.include_router),
        ("add_api_route", fastapi.APIRouter.add_api_route, zephyr.APIRouter.add_api_route),
    ],
)
def test_both_keywords_exist_where_fastapi_has_them(owner: str, fastapi_obj: object, zephyr_obj: object) -> None:
    fastapi_params = inspect.signature(fastapi_obj).parameters  # type: ignore[arg-type]
    assert {"max_body_size", "form_limits"} <= set(fastapi_params), f"the installed FastAPI lacks them on {owner}"
    source = inspect.getsource(zephyr_obj)  # type: ignore[arg-type]
    zephyr_params = inspect.signature(zephyr_obj).parameters  # type: ignore[arg-type]
    for keyword in ("max_body_size", "form_limits"):
        assert keyword in zephyr_params or keyword in source, f"{owner} lacks {keyword}"


def test_settings_are_not_dropped_into_extra() -> None:
    app = zephyr.FastAPI(max_body_size=10, form_limits={"max_files": 2})
    assert app.extra == {}
    assert (app.max_body_size, app.router.max_body_size, app.router.form_limits) == (10, 10, {"max_files": 2})


@pytest.mark.current_reference
def test_invalid_settings_raise_as_fastapi_does() -> None:
    for build in (fastapi.FastAPI, zephyr.FastAPI, fastapi.APIRouter, zephyr.APIRouter):
        with pytest.raises(ValueError, match=r"^max_body_size must be a non-negative integer or None$"):
            build(max_body_size=-1)
    with pytest.raises(ValueError, match="max_body_size must be a non-negative integer or None"):
        zephyr.FastAPI().post("/", max_body_size=True)(lambda: None)
    with pytest.raises(zephyr.exceptions.FastAPIError, match=r"form_limits got an unknown key 'max_fieldz'"):
        zephyr.FastAPI(form_limits={"max_fieldz": 1})
    with pytest.raises(zephyr.exceptions.FastAPIError, match=r"form_limits\['max_files'\]=-1 must be a non-negative"):
        zephyr.APIRouter(form_limits={"max_files": -1})
    with pytest.raises(zephyr.exceptions.FastAPIError, match=r"form_limits=3 must be a dict"):
        zephyr.FastAPI().include_router(zephyr.APIRouter(), form_limits=3)  # type: ignore[arg-type]


@pytest.mark.current_reference
@pytest.mark.parametrize("limits", [{"max_parts": 1}, {"max_files": -1}, {"max_fields": False}, {"max_part_size": 1.5}])
def test_invalid_form_limits_are_a_value_error_as_on_fastapi(limits: dict[str, object]) -> None:
    """FastAPI validates ``form_limits`` with Pydantic (a ``ValueError``); Zephyr's error is one too."""
    for build in (fastapi.FastAPI, zephyr.FastAPI):
        with pytest.raises(ValueError):
            build(form_limits=limits)  # type: ignore[arg-type]
    routers: list[Any] = [fastapi.APIRouter(), zephyr.APIRouter()]
    for router in routers:
        with pytest.raises(ValueError, match="max_files"):
            router.include_router(type(router)(), form_limits={"max_files": -1})


MIDDLEWARE_LIMITS_APP = """
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse

async def echo(request: Request):
    return PlainTextResponse(await request.body())

app = FastAPI(max_body_size=5)
router = APIRouter()
router.post("/roomy", max_body_size=10)(echo)
app.include_router(router)

@app.middleware("http")
async def read_body(request, call_next):
    if request.url.path != "/child/" and not request.url.path.startswith("/nested"):
        await request.body()
    return await call_next(request)

child = FastAPI()
child.post("/")(echo)

@child.middleware("http")
async def child_reads(request, call_next):
    await request.body()
    return await call_next(request)

app.mount("/child", child)

mounted = FastAPI()
mounted.post("/")(echo)
nested = APIRouter()
nested.mount("/mounted", mounted)
app.include_router(nested, prefix="/nested", max_body_size=3)
"""


@pytest.mark.current_reference  # FastAPI(max_body_size=...) is FastAPI 0.165's
def test_limits_around_middleware_and_mounts_as_on_fastapi() -> None:
    calls: list[Call] = []
    for url in ("/roomy", "/child/", "/nested/mounted/"):
        calls += [
            post(url, content=b"123"),
            post(url, content=b"12345"),
            post(url, content=b"123456"),
            post(url, content=_Chunks(b"123", b"456")),
        ]
    assert_same(MIDDLEWARE_LIMITS_APP, _closing(calls))


INHERITED_FORM_LIMITS_APP = """
from typing import Annotated
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.routing import APIRoute, Mount

async def field(text: Annotated[str, Form()], more: Annotated[str, Form()] = ""):
    return [text, more]

async def manual(request: Request):
    form = await request.form()
    return sorted(form)

child = FastAPI(routes=[APIRoute("/", field, methods=["POST"], form_limits={"max_fields": 2})])
child.post("/manual")(manual)
limited_child = FastAPI(form_limits={"max_part_size": 5})
limited_child.post("/")(field)

mounted_router = APIRouter(
    form_limits={"max_fields": 2}, routes=[APIRoute("/", field, methods=["POST"])]
)

holder = APIRouter(form_limits={"max_part_size": 4})
holder.mount("/inner", FastAPI(routes=[APIRoute("/", field, methods=["POST"])]))

app = FastAPI(
    form_limits={"max_part_size": 2, "max_fields": 1},
    routes=[APIRoute("/direct", field, methods=["POST"]), APIRoute("/manual", manual, methods=["POST"])],
)
app.mount("/child", child)
app.mount("/limited", limited_child)
app.mount("/router", mounted_router)
app.include_router(holder, prefix="/held", form_limits={"max_fields": 2})
"""


@pytest.mark.current_reference
def test_form_limits_reach_routes_the_router_did_not_create_as_on_fastapi() -> None:
    """Routes given as ``routes=[...]`` and the routes of mounted apps inherit ``form_limits`` through the scope."""
    assert_same(
        INHERITED_FORM_LIMITS_APP,
        [
            post("/direct", data={"text": "ab"}),  # the app's max_part_size=2 and max_fields=1
            post("/direct", data={"text": "abc"}),
            post("/direct", data={"text": "a", "more": "b"}),
            post("/manual", data={"a": "1", "b": "2", "c": "3"}),  # request.form() by hand: not FastAPI's limits
            post("/child/", data={"text": "ab", "more": "c"}),  # the route's max_fields=2 over the parent app's 1
            post("/child/", data={"text": "abc"}),  # the parent app's max_part_size=2 reaches the mounted app
            post("/child/manual", data={"a": "1", "b": "2", "c": "3"}),
            post("/limited/", data={"text": "abcde"}),  # the mounted app's own 5 over the parent's 2
            post("/limited/", data={"text": "abcdef"}),
            post("/limited/", data={"text": "a", "more": "b"}),  # and the parent's max_fields=1 still
            post("/router/", data={"text": "a", "more": "b"}),  # a router mounted as it is: its own max_fields=2
            post("/router/", data={"text": "abc"}),
            post("/held/inner/", data={"text": "abcd", "more": "b"}),  # the including router's and the inclusion's
            post("/held/inner/", data={"text": "abcde"}),
        ],
        openapi=False,
    )


def test_form_limits_add_no_layer_where_none_are_set() -> None:
    """An app and a mount without ``form_limits`` serve as before: nothing is added per request."""
    from zephyr._bodylimit import InheritedFormLimits, with_form_limits
    from zephyr._routing.plain import Mount

    app = zephyr.FastAPI()
    assert with_form_limits(app, {}) is app
    assert with_form_limits(app, None) is app
    assert Mount("/child", app)._limits is None
    router_mount = Mount("/router", zephyr.APIRouter(form_limits={"max_files": 1}))
    assert (router_mount.max_body_size, router_mount.form_limits) == (None, {"max_files": 1})
    router_mount.form_limits = {"max_files": 3, "max_fields": 2}  # an inclusion's: the router's own still wins
    assert router_mount.form_limits == {"max_files": 1, "max_fields": 2}
    router_mount.max_body_size = 10
    assert router_mount.max_body_size == 10
    sized = Mount("/sized", zephyr.APIRouter(max_body_size=4))
    sized.max_body_size = 10
    assert (sized.max_body_size, sized.form_limits) == (4, {})
    limits = InheritedFormLimits(InheritedFormLimits(None, {"max_fields": 1, "max_files": 2}), {"max_files": 3})
    assert (dict(limits), len(limits), limits.manual) == ({"max_files": 3, "max_fields": 1}, 2, None)
    with pytest.raises(KeyError):
        limits["max_part_size"]


MOUNTED_BODY_LIMITS_APP = """
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute

async def echo(request: Request):
    return PlainTextResponse(await request.body())

app = FastAPI(routes=[APIRoute("/direct", echo, methods=["POST"], max_body_size=5)])
app.mount("/router", APIRouter(max_body_size=5, routes=[APIRoute("/", echo, methods=["POST"])]))
app.include_router(APIRouter(max_body_size=5, routes=[APIRoute("/", echo, methods=["POST"])]), prefix="/included")
holder = APIRouter(max_body_size=5)
holder.mount("/app", FastAPI(routes=[APIRoute("/", echo, methods=["POST"])]))
holder.mount("/roomy", APIRouter(max_body_size=8, routes=[APIRoute("/", echo, methods=["POST"])]))
app.include_router(holder, prefix="/held")
"""


@pytest.mark.current_reference
def test_max_body_size_of_routers_mounted_or_given_routes_as_on_fastapi() -> None:
    """A router mounted as it is limits its ``routes=[...]``; its own limit wins over an including router's."""
    six, four, seven = b"123456", b"1234", b"1234567"
    assert_same(
        MOUNTED_BODY_LIMITS_APP,
        _closing(
            [
                post("/direct", content=six),
                post("/router/", content=six),
                post("/router/", content=four),
                post("/included/", content=six),
                post("/held/app/", content=six),  # the including router's limit reaches the mounted app
                post("/held/app/", content=four),
                post("/held/roomy/", content=seven),  # the mounted router's own 8 over the including router's 5
                post("/held/roomy/", content=b"123456789"),
            ]
        ),
        openapi=False,
    )


HOST_LIMITS_APP = """
from typing import Annotated
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from starlette.routing import Host

async def echo(request: Request):
    return PlainTextResponse(await request.body())

async def field(text: Annotated[str, Form()], more: Annotated[str, Form()] = ""):
    return [text, more]

def routes():
    return [
        APIRoute("/", echo, methods=["POST"]),
        APIRoute("/form", field, methods=["POST"]),
        APIRoute("/roomy", echo, methods=["POST"], max_body_size=8),
    ]

app = FastAPI(
    max_body_size=20,
    form_limits={"max_part_size": 6},
    routes=[Host("given.example.com", app=APIRouter(routes=routes()))],
)
app.host("top.example.com", APIRouter(routes=routes()))
app.host("own.example.com", APIRouter(max_body_size=5, form_limits={"max_fields": 1}, routes=routes()))

holder = APIRouter(max_body_size=5, form_limits={"max_fields": 1})
holder.host("held.example.com", APIRouter(routes=routes()))
holder.host("roomy.example.com", APIRouter(max_body_size=7, form_limits={"max_fields": 2}, routes=routes()))
app.include_router(holder, prefix="/held")

plain = APIRouter()
plain.host("included.example.com", APIRouter(routes=routes()))
app.include_router(plain, prefix="/included", max_body_size=5, form_limits={"max_fields": 1})

deep = APIRouter()
deep.host("deep.example.com", APIRouter(routes=routes()))
middle = APIRouter(form_limits={"max_fields": 1})
middle.include_router(deep, max_body_size=5)
app.include_router(middle, prefix="/deep")
"""

_HOSTS = {
    "given.example.com": "",  # Host in routes=[...]: the app's limits
    "top.example.com": "",  # app.host(...)
    "own.example.com": "",  # a router served as it is: its own limits
    "held.example.com": "/held",  # a host of an included router: the router's limits
    "roomy.example.com": "/held",  # the host's router's own limits win over the including router's
    "included.example.com": "/included",  # include_router's limits
    "deep.example.com": "/deep",  # a host two inclusions down
}


@pytest.mark.current_reference
@pytest.mark.parametrize("host", list(_HOSTS))
def test_host_routes_get_the_body_and_form_limits_as_on_fastapi(host: str) -> None:
    """A ``Host``'s app is served under the limits a mounted app would be: the inclusions', its router's own."""
    prefix, headers = _HOSTS[host], {"headers": {"host": host}}
    calls = [
        post(f"{prefix}/", content=b"1234", **headers),
        post(f"{prefix}/", content=b"123456", **headers),
        post(f"{prefix}/", content=b"12345678", **headers),
        post(f"{prefix}/", content=b"1" * 21, **headers),
        post(f"{prefix}/roomy", content=b"1234567", **headers),  # the route's own 8
        post(f"{prefix}/roomy", content=b"123456789", **headers),
        post(f"{prefix}/form", data={"text": "a"}, **headers),
        post(f"{prefix}/form", data={"text": "a", "more": "b"}, **headers),  # max_fields
        post(f"{prefix}/form", data={"text": "abcdefg"}, **headers),  # the app's max_part_size=6
    ]
    assert_same(HOST_LIMITS_APP, _closing(calls), openapi=False)


NESTED_LIMITS_APP = """
from typing import Annotated
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute

async def echo(request: Request):
    return PlainTextResponse(await request.body())

async def field(text: Annotated[str, Form()], more: Annotated[str, Form()] = ""):
    return [text, more]

def routes():
    return [
        APIRoute("/", echo, methods=["POST"]),
        APIRoute("/form", field, methods=["POST"]),
        APIRoute("/roomy", echo, methods=["POST"], max_body_size=8),
    ]

app = FastAPI(max_body_size=20, form_limits={"max_part_size": 6})
deep = APIRouter(routes=routes())
deep.mount("/mounted", FastAPI(routes=routes()))
middle = APIRouter(form_limits={"max_fields": 1})
middle.include_router(deep, prefix="/deep", max_body_size=5)
top = APIRouter()
top.include_router(middle, prefix="/middle")
app.include_router(top, prefix="/top")
app.include_router(middle, prefix="/direct")

own = APIRouter(max_body_size=5, form_limits={"max_fields": 1}, routes=routes())
wrap = APIRouter()
wrap.include_router(own, prefix="/own")
app.include_router(wrap, prefix="/wrap", max_body_size=15, form_limits={"max_part_size": 3})
"""


@pytest.mark.current_reference
@pytest.mark.parametrize("prefix", ["/top/middle/deep", "/top/middle/deep/mounted", "/direct/deep", "/wrap/own"])
def test_nested_included_routes_get_the_body_and_form_limits_as_on_fastapi(prefix: str) -> None:
    """Routes (and mounts) two or three inclusions down take each level's limits, the nearest winning."""
    calls = [
        post(f"{prefix}/", content=b"1234"),
        post(f"{prefix}/", content=b"123456"),
        post(f"{prefix}/", content=b"1" * 16),
        post(f"{prefix}/", content=b"1" * 21),
        post(f"{prefix}/roomy", content=b"1234567"),
        post(f"{prefix}/roomy", content=b"123456789"),
        post(f"{prefix}/form", data={"text": "a"}),
        post(f"{prefix}/form", data={"text": "a", "more": "b"}),
        post(f"{prefix}/form", data={"text": "abcd"}),
        post(f"{prefix}/form", data={"text": "abcdefg"}),
    ]
    assert_same(NESTED_LIMITS_APP, _closing(calls), openapi=False)

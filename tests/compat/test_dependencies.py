# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Dependencies (functions, classes, sub-dependencies, yield, caching, overrides) answer as on FastAPI."""

from __future__ import annotations

from typing import Any

import pytest

import zephyr
from tests.compat.harness import assert_same, build_pair, get, post
from zephyr._compile.solve import call_steps
from zephyr.testclient import TestClient

DEPS_APP = """
from typing import Annotated
from fastapi import Cookie, Depends, FastAPI, Header, HTTPException, APIRouter, Request

events = []

async def verify_token(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")

async def verify_key(x_key: Annotated[str, Header()]):
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")
    return x_key

app = FastAPI(dependencies=[Depends(verify_token)])

async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}

CommonsDep = Annotated[dict, Depends(common_parameters)]

@app.get("/items/", dependencies=[Depends(verify_key)])
async def read_items(commons: CommonsDep):
    return commons

fake_items_db = [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]

class CommonQueryParams:
    def __init__(self, q: str | None = None, skip: int = 0, limit: int = 100):
        self.q = q
        self.skip = skip
        self.limit = limit

@app.get("/class/")
async def read_class(commons: Annotated[CommonQueryParams, Depends()]):
    response = {}
    if commons.q:
        response.update({"q": commons.q})
    items = fake_items_db[commons.skip : commons.skip + commons.limit]
    response.update({"items": items})
    return response

def query_extractor(q: str | None = None):
    return q

def query_or_cookie_extractor(q: Annotated[str, Depends(query_extractor)], last_query: Annotated[str | None, Cookie()] = None):
    if not q:
        return last_query
    return q

@app.get("/sub/")
async def read_query(query_or_default: Annotated[str, Depends(query_or_cookie_extractor)]):
    return {"q_or_cookie": query_or_default}

counter = {"n": 0}

def count():
    counter["n"] += 1
    return counter["n"]

def twice_cached(a: Annotated[int, Depends(count)], b: Annotated[int, Depends(count)]):
    return [a, b]

@app.get("/cache/")
async def cache(values: Annotated[list, Depends(twice_cached)], c: Annotated[int, Depends(count, use_cache=False)]):
    return {"values": values, "c": c, "diff": c - values[0]}

async def get_db():
    events.append("db open")
    try:
        yield "db"
    finally:
        events.append("db close")

class OwnerError(Exception):
    pass

async def dep_a():
    events.append("a start")
    try:
        yield "a"
    except OwnerError:
        events.append("a caught")
        raise HTTPException(status_code=400, detail="Owner error")
    finally:
        events.append("a end")

async def dep_b(a: Annotated[str, Depends(dep_a)]):
    events.append("b start")
    try:
        yield a + "b"
    finally:
        events.append("b end")

@app.get("/yield/{item_id}")
async def yield_route(item_id: str, b: Annotated[str, Depends(dep_b)], db: Annotated[str, Depends(get_db)]):
    events.append("endpoint")
    if item_id == "plumbus":
        raise OwnerError("nope")
    if item_id == "missing":
        raise HTTPException(status_code=404, detail="Item not found")
    return {"b": b, "db": db}

@app.get("/events/")
async def get_events():
    found = list(events)
    events.clear()
    return found

def sync_dep(q: int = 1):
    return q * 2

@app.get("/sync/")
def sync_route(v: Annotated[int, Depends(sync_dep)], req: Request):
    return {"v": v, "path": req.url.path}

def dep_with_errors(n: int, m: Annotated[int, Header()]):
    return n + m

@app.get("/dep-errors/")
async def dep_errors(total: Annotated[int, Depends(dep_with_errors)], k: int, body_val: str | None = None):
    return {"total": total}

router = APIRouter(prefix="/router", dependencies=[Depends(verify_key)])

@router.get("/x")
async def router_x(commons: CommonsDep):
    return commons

app.include_router(router)

async def override_common(q: str | None = None):
    return {"q": q, "overridden": True}
"""

TOKEN = {"x-token": "fake-super-secret-token"}
BOTH = {**TOKEN, "x-key": "fake-super-secret-key"}


def test_dependencies() -> None:
    assert_same(
        DEPS_APP,
        [
            get("/items/"),
            get("/items/", headers=TOKEN),
            get("/items/", headers={**TOKEN, "x-key": "bad"}),
            get("/items/", headers={"x-token": "bad", "x-key": "bad"}),
            get("/items/?q=1&skip=x", headers=BOTH),
            get("/items/?q=1&skip=2&limit=5", headers=BOTH),
            get("/class/?skip=1", headers=TOKEN),
            get("/class/?q=z&limit=1", headers=TOKEN),
            get("/sub/", headers=TOKEN),
            get("/sub/", headers={**TOKEN, "cookie": "last_query=lq"}),
            get("/sub/?q=qq", headers={**TOKEN, "cookie": "last_query=lq"}),
            get("/cache/", headers=TOKEN),
            get("/events/", headers=TOKEN),
            get("/yield/ok", headers=TOKEN),
            get("/events/", headers=TOKEN),
            get("/yield/plumbus", headers=TOKEN),
            get("/events/", headers=TOKEN),
            get("/yield/missing", headers=TOKEN),
            get("/events/", headers=TOKEN),
            get("/sync/?q=4", headers=TOKEN),
            get("/sync/?q=x", headers=TOKEN),
            get("/dep-errors/", headers=TOKEN),
            get("/dep-errors/?n=1&k=2", headers={**TOKEN, "m": "3"}),
            get("/dep-errors/?n=x&k=y", headers={**TOKEN, "m": "z"}),
            get("/router/x", headers=TOKEN),
            get("/router/x?q=1", headers=BOTH),
            post("/items/", headers=BOTH),
        ],
    )


def test_dependency_overrides() -> None:
    theirs, ours = build_pair(DEPS_APP)
    import fastapi.testclient

    import zephyr.testclient

    answers: list[list[Any]] = []
    for module, client_class in ((theirs, fastapi.testclient.TestClient), (ours, zephyr.testclient.TestClient)):
        app = module.app
        client = client_class(app)
        found = []
        app.dependency_overrides[module.common_parameters] = module.override_common
        found.append(client.get("/items/?q=o&skip=x", headers=BOTH).json())
        app.dependency_overrides[module.verify_token] = lambda: None
        found.append(client.get("/router/x?q=2", headers={"x-key": "fake-super-secret-key"}).json())
        app.dependency_overrides.clear()
        found.append(client.get("/items/?q=o", headers=BOTH).json())
        found.append(client.get("/items/?q=o").status_code)
        app.dependency_overrides[module.common_parameters] = module.override_common
        app.dependency_overrides = None  # no overrides, as FastAPI reads it
        found.append(client.get("/items/?q=o&skip=x", headers=BOTH).json())
        client.close()
        answers.append(found)
    assert answers[1] == answers[0]


ERRORS_APP = """
from typing import Annotated
from fastapi import FastAPI, Body, Depends, Form, Header, Query, Security, Request
from fastapi.security import SecurityScopes
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str

def dep_body(extra: Annotated[int, Body()], q: int):
    return extra + q

@app.post("/dep-body")
def dep_body_route(item: Item, e: Annotated[int, Depends(dep_body)]):
    return {"item": item, "e": e}

def dep_form(token: Annotated[str, Form()]):
    return token

@app.post("/dep-form")
def dep_form_route(t: Annotated[str, Depends(dep_form)], name: Annotated[str, Form()]):
    return {"t": t, "name": name}

def a(x: int):
    return x

def b(y: int, av: Annotated[int, Depends(a)]):
    return y + av

@app.get("/order")
def order(z: int, bv: Annotated[int, Depends(b)], h: Annotated[int, Header()], av: Annotated[int, Depends(a)]):
    return z

def scoped(security_scopes: SecurityScopes):
    return security_scopes.scopes

def mid(s: Annotated[list, Security(scoped, scopes=["b"])]):
    return s

@app.get("/scopes")
def scopes_route(s1: Annotated[list, Security(scoped, scopes=["a"])], s2: Annotated[list, Security(mid, scopes=["c"])], s3: Annotated[list, Depends(scoped)]):
    return {"s1": s1, "s2": s2, "s3": s3}

async def body_reader(request: Request):
    return await request.body()

@app.post("/body-in-dep")
async def body_in_dep(raw: Annotated[bytes, Depends(body_reader)], item: Item):
    return {"raw": raw.decode(), "item": item}
"""


def test_dependency_errors_bodies_and_scopes() -> None:
    """Cached dependencies report their errors again, as FastAPI re-solves them; bodies and forms in dependencies."""
    assert_same(
        ERRORS_APP,
        [
            post("/dep-body?q=1", json={"item": {"name": "n"}, "extra": 2}),
            post("/dep-body?q=x", json={"item": {"name": 1}}),
            post("/dep-body", json={"name": "n"}),
            post("/dep-body"),
            post("/dep-form", data={"token": "t", "name": "n"}),
            post("/dep-form", data={}),
            get("/order"),
            get("/order?x=a&y=b&z=c", headers={"h": "q"}),
            get("/order?x=1&y=2&z=3", headers={"h": "4"}),
            get("/scopes"),
            post("/body-in-dep", json={"name": "x"}),
            post("/body-in-dep", json={"nam": "x"}),
        ],
    )


SWALLOW_APP = """
from typing import Annotated
from fastapi import FastAPI, Depends, HTTPException, BackgroundTasks

app = FastAPI()
log = []

async def swallowing():
    try:
        yield "s"
    except Exception as exc:
        log.append(f"swallowed {type(exc).__name__}")

async def reraising():
    try:
        yield "r"
    except HTTPException as exc:
        log.append(f"saw http {exc.status_code}")
        raise

def sync_gen():
    log.append("sync enter")
    yield "g"
    log.append("sync exit")

@app.get("/swallow")
def swallow(v: Annotated[str, Depends(swallowing)]):
    raise ValueError("inner")

@app.get("/swallow-http")
def swallow_http(v: Annotated[str, Depends(swallowing)]):
    raise HTTPException(status_code=409, detail="c")

@app.get("/reraise")
def reraise(v: Annotated[str, Depends(reraising)]):
    raise HTTPException(status_code=410, detail="gone")

@app.get("/bg-order")
def bg_order(tasks: BackgroundTasks, v: Annotated[str, Depends(sync_gen)]):
    tasks.add_task(log.append, "background")
    log.append("endpoint")
    return v

@app.get("/log")
def get_log():
    found = list(log)
    log.clear()
    return found
"""


def test_yield_dependencies_that_swallow_errors() -> None:
    """A yield dependency that catches the request's error without raising it again leaves no response: 500."""
    assert_same(
        SWALLOW_APP,
        [
            get("/swallow"),
            get("/log"),
            get("/swallow-http"),
            get("/log"),
            get("/reraise"),
            get("/log"),
            get("/bg-order"),
            get("/log"),
        ],
        raise_server_exceptions=False,
    )


def test_swallowed_errors_raise_fastapi_error_in_the_test_client() -> None:
    theirs, ours = build_pair(SWALLOW_APP)
    import fastapi.exceptions
    import fastapi.testclient
    import pytest

    import zephyr.exceptions
    import zephyr.testclient

    for path in ("/swallow", "/swallow-http"):
        with pytest.raises(fastapi.exceptions.FastAPIError, match="Response not awaited"):
            fastapi.testclient.TestClient(theirs.app).get(path)
        with pytest.raises(zephyr.exceptions.FastAPIError, match="Response not awaited"):
            zephyr.testclient.TestClient(ours.app).get(path)


MID_REQUEST_OVERRIDES_APP = """
from typing import Annotated
from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()
calls = []

async def original():
    return "original"

async def replacement(q: int = 0):
    return f"replacement {q}"

def sync_original():
    return "sync original"

def sync_replacement():
    calls.append("sync replacement")
    return "sync replacement"

async def resource():
    calls.append("enter")
    yield "resource"
    calls.append("exit")

def counted():
    calls.append("counted")
    return "counted"

async def configure(first: Annotated[str, Depends(counted)]):
    app.dependency_overrides[original] = replacement
    app.dependency_overrides[sync_original] = sync_replacement
    app.dependency_overrides[resource] = sync_replacement

def configure_nothing():
    app.dependency_overrides.pop("never installed", None)

@app.get("/")
async def endpoint(
    _: Annotated[None, Depends(configure)],
    value: Annotated[str, Depends(original, max_concurrency=1)],
    again: Annotated[str, Depends(counted)],
    plain: Annotated[str, Depends(sync_original)],
):
    return [value, again, plain]

@app.get("/before")
async def before(value: Annotated[str, Depends(original)], _: Annotated[None, Depends(configure)]):
    return value

@app.get("/resource")
async def with_resource(_: Annotated[None, Depends(configure)], value: Annotated[str, Depends(resource)]):
    return value

@app.get("/unchanged")
def unchanged(_: Annotated[None, Depends(configure_nothing)], value: Annotated[str, Depends(original)]):
    return value

@app.get("/calls")
def made():
    found = list(calls)
    calls.clear()
    app.dependency_overrides.clear()
    return found
"""


@pytest.mark.current_reference  # Depends(max_concurrency=) is FastAPI 0.165's
def test_an_override_installed_by_an_earlier_dependency_applies_to_the_later_ones_as_on_fastapi() -> None:
    """FastAPI looks each dependency up in ``dependency_overrides`` when it solves it (its
    ``test_override_installed_by_earlier_dependency_applies_immediately``); Zephyr re-plans the rest of the request."""
    assert_same(
        MID_REQUEST_OVERRIDES_APP,
        [
            get("/?q=3"),  # the override installed by ``configure`` applies to ``original`` and ``sync_original``
            get("/calls"),  # ``counted``, cached, ran once
            get("/?q=x"),  # the replacement's own parameter is validated: 422
            get("/calls"),
            get("/before?q=3"),  # a dependency solved before the override keeps its value
            get("/calls"),
            get("/resource"),  # a yield dependency replaced before it is entered
            get("/calls"),
            get("/unchanged"),
            get("/calls"),
            get("/"),  # the overrides are still there from the request before (cleared by /calls: installed again)
        ],
        openapi=False,
    )


def test_only_routes_that_may_install_an_override_watch_for_one() -> None:
    """A route whose dependencies do not name ``dependency_overrides`` runs ``call_steps``: nothing per dependency,
    until the app's overrides change (its tests set them)."""
    app = zephyr.FastAPI()

    def dependency() -> str:
        return "value"

    def installs() -> None:
        app.dependency_overrides[dependency] = lambda: "other"

    @app.get("/plain")
    def plain(value: str = zephyr.Depends(dependency)) -> str:
        return value

    @app.get("/installs")
    def installing(_: None = zephyr.Depends(installs), value: str = zephyr.Depends(dependency)) -> str:
        return value

    client = TestClient(app)
    runners: dict[str, Any] = {
        route.path: route.app for route in app.routes if isinstance(route, zephyr.routing.APIRoute)
    }
    assert client.get("/plain").json() == "value"
    assert runners["/plain"].steps is call_steps
    assert runners["/installs"].steps is not call_steps
    assert client.get("/installs").json() == "other"
    assert client.get("/plain").json() == "other"  # the app's overrides changed: the route watches from now on
    assert runners["/plain"].steps is not call_steps

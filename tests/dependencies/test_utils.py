"""``zephyr.dependencies.utils``: FastAPI's helpers over Zephyr's dependant trees."""

from __future__ import annotations

import inspect
import io
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict

from zephyr import Body, Depends, FastAPI, File, Form, Header, Query, Security, UploadFile
from zephyr.dependencies import models
from zephyr.dependencies.utils import (
    _get_body_field,
    _get_flat_body_params,
    _read_file_bytes,
    get_dependant,
    get_flat_dependant,
    get_parameterless_sub_dependant,
    get_typed_annotation,
    get_typed_return_annotation,
    get_typed_signature,
    request_body_to_args,
    request_params_to_args,
)
from zephyr.exceptions import FastAPIError
from zephyr.requests import Request
from zephyr.testclient import TestClient
from zephyr.utils import generate_unique_id, get_value_or_default, is_body_allowed_for_status_code


class Item(BaseModel):
    name: str


def common(q: str = "", limit: int = 10) -> dict[str, Any]:
    return {"q": q, "limit": limit}


def endpoint(item_id: int, item: Item, commons: dict[str, Any] = Depends(common)) -> Item:
    return item


def test_typed_signature_and_return_annotation() -> None:
    signature = get_typed_signature(endpoint)
    assert list(signature.parameters) == ["item_id", "item", "commons"]
    assert signature.parameters["item"].annotation is Item
    assert get_typed_return_annotation(endpoint) is Item
    assert get_typed_return_annotation(common) == dict[str, Any]
    assert get_typed_return_annotation(lambda: None) is None


def test_get_dependant_flat_and_body_params() -> None:
    dependant = get_dependant(path="/items/{item_id}", call=endpoint)
    assert isinstance(dependant, models.Dependant)
    assert [p.name for p in dependant.path_params] == ["item_id"]
    assert [p.name for p in dependant.body_params] == ["item"]
    assert [d.call for d in dependant.dependencies] == [common]
    flat = get_flat_dependant(dependant)
    assert sorted(p.name for p in flat.query_params) == ["limit", "q"]
    assert flat.header_params == []
    assert flat.cookie_params == []
    assert [p.name for p in _get_flat_body_params(dependant)] == ["item"]
    assert _get_body_field(flat_dependant=dependant, name="x").name == "item"  # type: ignore[union-attr]
    assert _get_body_field(body_params=[], name="x", embed_body_fields=False) is None
    repeated = get_flat_dependant(
        get_dependant(path="/", call=lambda a=Depends(common), b=Depends(common): None), skip_repeats=True
    )
    assert sorted(p.name for p in repeated.params) == ["limit", "q"]


def test_parameterless_sub_dependant() -> None:
    sub = get_parameterless_sub_dependant(depends=Security(common, scopes=["read"]), path="/")
    assert sub.call is common
    assert sub.own_oauth_scopes == ["read"]
    with pytest.raises(TypeError, match="callable dependency"):
        get_parameterless_sub_dependant(depends=Depends(), path="/")


def test_a_dependency_added_after_registration_runs_when_the_app_is_rebuilt() -> None:
    """fastapi-pagination's way: append to route.dependencies and route.dependant, then rebuild route.app."""
    from zephyr.routing import request_response

    app = FastAPI()
    seen: list[str] = []

    @app.get("/x")
    def x() -> dict[str, bool]:
        return {"ok": True}

    route = next(r for r in app.routes if getattr(r, "path", "") == "/x")
    extra = Depends(lambda: seen.append("extra"))
    route.dependencies.append(extra)  # type: ignore[attr-defined]
    route.dependant.dependencies.append(get_parameterless_sub_dependant(depends=extra, path="/x"))  # type: ignore[attr-defined]
    route.body_field = None  # type: ignore[attr-defined]
    route.app = request_response(route.get_route_handler())  # type: ignore[attr-defined]
    with TestClient(app) as client:
        assert client.get("/x").json() == {"ok": True}
    assert seen == ["extra"]
    assert route.body_field is None  # type: ignore[attr-defined]


def test_utils_helpers() -> None:
    app = FastAPI()

    @app.post("/things/{thing_id}")
    def make(thing_id: int) -> None:
        return None

    route = next(r for r in app.routes if getattr(r, "path", "") == "/things/{thing_id}")
    assert generate_unique_id(route) == "make_things__thing_id__post"  # type: ignore[arg-type]
    assert is_body_allowed_for_status_code(None) is True
    assert is_body_allowed_for_status_code("2XX") is True
    assert is_body_allowed_for_status_code(204) is False
    assert is_body_allowed_for_status_code("200") is True
    from zephyr.datastructures import Default

    placeholder = Default(1)
    assert get_value_or_default(placeholder, 2) == 2
    assert get_value_or_default(placeholder, Default(3)) is placeholder
    assert inspect.isclass(models.ParamField)


@pytest.mark.anyio
async def test_solve_dependencies_returns_values_or_errors() -> None:
    from contextlib import AsyncExitStack

    from zephyr.dependencies.utils import solve_dependencies

    closed: list[str] = []

    async def session() -> Any:
        yield "db"
        closed.append("db")

    def target(item_id: int, request: Request, db: str = Depends(session), limit: int = 5) -> None:
        raise AssertionError("solve_dependencies never calls the endpoint")

    dependant = get_dependant(path="/items/{item_id}", call=target)

    def request_for(query: bytes, item_id: str) -> Request:
        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/items/{item_id}",
            "query_string": query,
            "headers": [],
            "path_params": {"item_id": item_id},
        }

        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        return Request(scope, receive)

    async with AsyncExitStack() as stack:
        request = request_for(b"limit=7", "3")
        solved = await solve_dependencies(
            request=request, dependant=dependant, async_exit_stack=stack, embed_body_fields=False
        )
        assert solved.errors == []
        assert solved.values == {"item_id": 3, "request": request, "db": "db", "limit": 7}
        assert solved.response.status_code is None
    assert closed == ["db"]
    async with AsyncExitStack() as stack:
        failed = await solve_dependencies(
            request=request_for(b"limit=x", "a"), dependant=dependant, async_exit_stack=stack, embed_body_fields=False
        )
    assert failed.values == {}
    assert sorted(tuple(e["loc"]) for e in failed.errors) == [("path", "item_id"), ("query", "limit")]


def _body_field_of(framework: Any, kind: str) -> tuple[Any, bool]:
    """``_get_body_field`` for a route as fastapi-pagination calls it, on ``framework`` (FastAPI or Zephyr)."""
    from importlib import import_module

    utils = import_module(f"{framework.__name__}.dependencies.utils")
    app = framework.FastAPI()
    if kind == "json":

        @app.post("/items")
        def create(item: Item, importance: int = framework.Body(gt=0), note: str | None = framework.Body(None)) -> None:
            return None

    elif kind == "form":

        @app.post("/items")
        def create(name: str = framework.Form(), size: int = framework.Form(3)) -> None:
            return None

    else:

        @app.post("/items")
        def create(upload: bytes = framework.File(), name: str = framework.Form()) -> None:
            return None

    route = next(r for r in app.routes if getattr(r, "path", "") == "/items")
    embed = route._embed_body_fields
    field = utils._get_body_field(
        body_params=utils._get_flat_body_params(route.dependant), name=route.unique_id, embed_body_fields=embed
    )
    return field, embed


@pytest.mark.parametrize("kind", ["json", "form", "file"])
def test_several_body_parameters_make_one_embedded_body_field_as_in_fastapi(kind: str) -> None:
    import fastapi

    import zephyr

    ours, our_embed = _body_field_of(zephyr, kind)
    theirs, their_embed = _body_field_of(fastapi, kind)
    assert our_embed is their_embed is True
    assert (ours.name, ours.alias) == (theirs.name, theirs.alias) == ("body", "body")
    assert (
        type(ours.field_info).__name__ == type(theirs.field_info).__name__ == {"json": "Body"}.get(kind, kind.title())
    )
    assert ours.field_info.is_required() == theirs.field_info.is_required()
    assert getattr(ours.field_info, "media_type", None) == getattr(theirs.field_info, "media_type", None)
    model, reference = ours.field_info.annotation, theirs.field_info.annotation
    assert model.__name__ == reference.__name__ == "Body_create_items_post"
    assert model.model_json_schema() == reference.model_json_schema()


def test_one_body_parameter_is_its_own_field() -> None:
    app = FastAPI()

    @app.post("/items")
    def create(item: Item) -> None:
        return None

    route = next(r for r in app.routes if getattr(r, "path", "") == "/items")
    assert route._embed_body_fields is False  # type: ignore[attr-defined]
    assert route.body_field.name == "item"  # type: ignore[attr-defined]


def test_body_field_is_a_model_field_that_validates() -> None:
    from zephyr._compat import ModelField

    app = FastAPI()

    @app.post("/items")
    def create(item: Item, count: int = Body()) -> None:
        return None

    route = next(r for r in app.routes if getattr(r, "path", "") == "/items")
    field = route.body_field  # type: ignore[attr-defined]
    assert isinstance(field, ModelField)
    assert (field.name, field.alias, field.mode) == ("body", "body", "validation")
    value, errors = field.validate({"item": {"name": "a"}, "count": "2"})
    assert errors == [] and (value.item, value.count) == (Item(name="a"), 2)
    assert field.validate({"item": {}}, loc=("body",))[1][0]["loc"] == ("body", "item", "name")


def test_get_typed_annotation_resolves_strings_in_the_namespace_given() -> None:
    assert get_typed_annotation("None", {}) is None
    assert get_typed_annotation("Item", {"Item": Item}) is Item
    assert get_typed_annotation("list[Item]", {"Item": Item}) == list[Item]
    assert get_typed_annotation(int, {}) is int
    with pytest.raises(FastAPIError, match="Cannot resolve the annotation 'Nowhere'"):
        get_typed_annotation("Nowhere", {})


@pytest.mark.anyio
async def test_read_file_bytes_leaves_the_position_where_it_was() -> None:
    upload = UploadFile(io.BytesIO(b"hello"))
    await upload.seek(2)
    assert await _read_file_bytes(upload) == b"llo"
    assert upload.file.tell() == 2

    async def failing_read(size: int = -1) -> bytes:
        upload.file.read(1)
        raise OSError("read failed")

    upload.read = failing_read  # type: ignore[method-assign]
    with pytest.raises(OSError, match="read failed"):
        await _read_file_bytes(upload)
    assert upload.file.tell() == 2


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = 1


def listing(filters: Annotated[Filters, Query()], x_trace: Annotated[str, Header()] = "none") -> None: ...


def submit(name: Annotated[str, Form()], upload: Annotated[UploadFile | None, File()] = None) -> None: ...


def test_extraction_functions_read_what_a_request_holds() -> None:
    """A library's way: validate a route's parameters by hand from the request it is given."""
    app = FastAPI()
    query_fields = get_dependant(path="/", call=listing).query_params
    header_fields = get_dependant(path="/", call=listing).header_params
    body_fields = get_dependant(path="/", call=submit).body_params

    @app.post("/")
    async def endpoint(request: Request) -> dict[str, Any]:
        query, query_errors = request_params_to_args(query_fields, request.query_params)
        headers, header_errors = request_params_to_args(header_fields, request.headers)
        async with request.form() as form:
            body, body_errors = await request_body_to_args(body_fields, form, False)
        return {
            "page": query["filters"].page if "filters" in query else None,
            "trace": headers.get("x_trace"),
            "name": body.get("name"),
            "upload": body["upload"].filename if body.get("upload") else None,
            "errors": [[error["type"], *error["loc"]] for error in query_errors + header_errors + body_errors],
        }

    with TestClient(app) as client:
        good = client.post("/?page=2", headers={"X-Trace": "t"}, files={"upload": ("a.txt", b"a")}, data={"name": "n"})
        bad = client.post("/?page=2&other=1", data={"name": ""})
    assert good.json() == {"page": 2, "trace": "t", "name": "n", "upload": "a.txt", "errors": []}
    assert bad.json() == {
        "page": None,
        "trace": "none",
        "name": None,
        "upload": None,
        "errors": [["extra_forbidden", "query", "other"], ["missing", "body", "name"]],
    }


@pytest.mark.anyio
async def test_solve_dependencies_keeps_its_plan_until_the_dependant_or_the_overrides_change() -> None:
    from contextlib import AsyncExitStack
    from types import SimpleNamespace

    from zephyr.dependencies.utils import solve_dependencies

    def original() -> str:
        return "original"

    def target(a: int = 1, b: int = 2, dep: str = Depends(original)) -> None: ...

    dependant = get_dependant(path="/", call=target)
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"a=5", "headers": [], "path_params": {}}

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    request = Request(scope, receive)
    provider = SimpleNamespace(dependency_overrides={})
    async with AsyncExitStack() as stack:

        async def solve(body: Any = None) -> dict[str, Any]:
            solved = await solve_dependencies(
                request=request,
                dependant=dependant,
                body=body,
                dependency_overrides_provider=provider,
                async_exit_stack=stack,
                embed_body_fields=True,
            )
            assert solved.errors == []
            return solved.values

        assert await solve() == {"a": 5, "b": 2, "dep": "original"}
        plan = dependant.solve_plan[1]
        assert await solve() == {"a": 5, "b": 2, "dep": "original"}
        assert dependant.solve_plan[1] is plan  # compiled once for the solves of an unchanged dependant

        dependant.body_params.extend(dependant.query_params)
        dependant.query_params = []
        assert await solve({"a": 7}) == {"a": 7, "b": 2, "dep": "original"}  # read from the body now
        assert dependant.solve_plan[1] is not plan

        provider.dependency_overrides[original] = lambda: "replaced"
        assert (await solve({"a": 8}))["dep"] == "replaced"
        provider.dependency_overrides.clear()
        assert (await solve({"a": 8}))["dep"] == "original"


@pytest.mark.anyio
async def test_solve_dependencies_reads_and_fills_the_dependency_cache() -> None:
    from contextlib import AsyncExitStack

    from zephyr.dependencies.utils import solve_dependencies

    made: list[str] = []

    def session() -> str:
        made.append("session")
        return "fresh"

    def uncached() -> str:
        made.append("uncached")
        return "new"

    def target(db: str = Depends(session), other: str = Depends(uncached, use_cache=False)) -> None: ...

    dependant = get_dependant(path="/", call=target)
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "path_params": {}}

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    cache: dict[Any, Any] = {(session, (), ""): "shared", (uncached, (), ""): "stale"}
    async with AsyncExitStack() as stack:
        solved = await solve_dependencies(
            request=Request(scope, receive), dependant=dependant, dependency_cache=cache, async_exit_stack=stack
        )
    assert solved.values == {"db": "shared", "other": "new"}  # use_cache=False calls it again, as in FastAPI
    assert made == ["uncached"]
    assert solved.dependency_cache is cache
    fresh: dict[Any, Any] = {}
    async with AsyncExitStack() as stack:
        await solve_dependencies(
            request=Request(scope, receive), dependant=dependant, dependency_cache=fresh, async_exit_stack=stack
        )
    assert fresh == {(session, (), ""): "fresh", (uncached, (), ""): "new"}

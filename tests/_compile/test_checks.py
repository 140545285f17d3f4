"""Registration-time checks where FastAPI is silent but the route cannot work: raise or warn, with the fix."""

from __future__ import annotations

import datetime
import subprocess
import sys
import uuid
import warnings
from typing import Annotated, Any

import pytest
from pydantic_core import core_schema

from zephyr import APIRouter, Depends, FastAPI, Path, Query, Request
from zephyr.exceptions import FastAPIError, RouteDefinitionWarning
from zephyr.testclient import TestClient


class InstanceOnly:
    """A type Pydantic validates only as an instance (it has a schema, so FastAPI accepts it)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.is_instance_schema(cls)


def test_path_parameter_naming_no_segment_raises_with_the_fix() -> None:
    app = FastAPI()
    with pytest.raises(FastAPIError) as caught:

        @app.get("/items")
        def read(item_id: Annotated[int, Path()]) -> int:
            return item_id

    assert str(caught.value) == (
        "Path parameter 'item_id' (a parameter of "
        "test_path_parameter_naming_no_segment_raises_with_the_fix.<locals>.read) names no segment of the path "
        "'/items' of the route /items (test_path_parameter_naming_no_segment_raises_with_the_fix.<locals>.read), so "
        "every request would be answered 422. Add '{item_id}' to the path, or declare the parameter with Query() "
        "instead of Path()."
    )


def test_path_parameter_in_a_dependency_is_checked_too() -> None:
    def owner(owner_id: Annotated[int, Path()]) -> int:
        return owner_id

    app = FastAPI()
    with pytest.raises(FastAPIError, match=r"Path parameter 'owner_id' \(a parameter of .*owner\)"):
        app.add_api_route("/pets", lambda: None, dependencies=[Depends(owner)])


def test_path_parameter_with_a_default_is_allowed_as_on_fastapi() -> None:
    app = FastAPI()

    @app.get("/items")
    def read(size: Annotated[float, Path()] = 1.5) -> float:
        return size

    assert TestClient(app).get("/items").json() == 1.5


def test_router_path_parameter_given_by_the_inclusion_prefix_is_accepted() -> None:
    router = APIRouter()

    @router.get("/items")
    def read(user_id: Annotated[int, Path()]) -> int:
        return user_id

    app = FastAPI()
    app.include_router(router, prefix="/users/{user_id}")
    assert TestClient(app).get("/users/7/items").json() == 7


def test_router_path_parameter_missing_after_inclusion_raises() -> None:
    router = APIRouter()

    @router.get("/items")
    def read(user_id: Annotated[int, Path()]) -> int:
        return user_id

    app = FastAPI()
    with pytest.raises(FastAPIError, match="names no segment of the path '/v1/items'"):
        app.include_router(router, prefix="/v1")


def test_websocket_path_parameter_naming_no_segment_raises() -> None:
    app = FastAPI()
    with pytest.raises(FastAPIError, match="of the WebSocket route /ws"):

        @app.websocket("/ws")
        async def chat(room: Annotated[str, Path()]) -> None:
            return None


def test_unused_path_variable_warns_once_with_the_fix() -> None:
    app = FastAPI()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @app.get("/items/{item_id}/{version}")
        def read(item_id: int) -> int:
            return item_id

    assert [(w.category, str(w.message)) for w in caught] == [
        (
            RouteDefinitionWarning,
            "The path '/items/{item_id}/{version}' of the route /items/{item_id}/{version} "
            "(test_unused_path_variable_warns_once_with_the_fix.<locals>.read) declares '{version}', but neither the "
            "endpoint nor its dependencies take a parameter 'version': its value is matched, then dropped. Add "
            "`version: str` (or another type) to the endpoint's parameters, or remove '{version}' from the path.",
        )
    ]
    assert caught[0].filename == __file__  # points at the user's decorator, not at Zephyr
    assert TestClient(app).get("/items/3/v2").json() == 3


def test_path_variable_taken_by_a_dependency_does_not_warn() -> None:
    def version(version: str) -> str:
        return version

    app = FastAPI()
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @app.get("/items/{version}", dependencies=[Depends(version)])
        def read() -> str:
            return "ok"


def test_path_variable_read_through_the_request_does_not_warn() -> None:
    app = FastAPI()
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @app.get("/items/{item_id}")
        def read(request: Request) -> object:
            return request.path_params["item_id"]

    assert TestClient(app).get("/items/5").json() == "5"


def test_instance_only_query_parameter_warns_with_the_fix() -> None:
    app = FastAPI()
    with pytest.warns(RouteDefinitionWarning) as caught:

        @app.get("/search")
        def search(filters: InstanceOnly) -> None:
            return None

    assert str(caught[0].message) == (
        "The query parameter 'filters' of the route /search "
        "(test_instance_only_query_parameter_warns_with_the_fix.<locals>.search) has the type InstanceOnly, which "
        "only accepts instances: no query string can give one, so every request is answered 422. If it is a "
        "dependency, write `filters: Annotated[InstanceOnly, Depends()]`; if its fields are query parameters, make it "
        "a Pydantic model and write `Annotated[InstanceOnly, Query()]`."
    )
    assert TestClient(app).get("/search?filters=x").status_code == 422


def test_ordinary_query_types_do_not_warn() -> None:
    app = FastAPI()
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @app.get("/search")
        def search(when: datetime.date, key: uuid.UUID, tags: Annotated[list[str], Query()], n: int = 1) -> None:
            return None

    assert TestClient(app).get(f"/search?when=2026-12-06&key={uuid.UUID(int=1)}&tags=a").json() is None


_AS_FASTAPI = """
import warnings
warnings.simplefilter("error")
import zephyr
zephyr.install_as_fastapi()
from typing import Annotated
from fastapi import FastAPI, Path, Query
from fastapi.testclient import TestClient

class InstanceOnly:
    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema
        return core_schema.is_instance_schema(cls)

app = FastAPI()

@app.get("/items")
def required_path_without_segment(item_id: Annotated[int, Path()]) -> int:
    return item_id

@app.get("/unused/{version}")
def unused() -> str:
    return "ok"

@app.websocket("/jobs/{job_id}")
async def stream() -> None:
    return None

@app.get("/instance")
def instance(value: Annotated[InstanceOnly, Query()]) -> str:
    return "never"

client = TestClient(app)
print(client.get("/items").status_code, client.get("/unused/v2").json(), client.get("/instance?value=1").status_code)
"""


def test_under_the_fastapi_switch_routes_fastapi_accepts_are_accepted_silently() -> None:
    # An app written for FastAPI runs as it does there (its test suite may turn every warning into an error): the
    # route that can only answer 422 answers 422, the dropped path value is dropped, and nothing is raised or warned.
    found = subprocess.run([sys.executable, "-c", _AS_FASTAPI], capture_output=True, text=True, timeout=60)
    assert (found.returncode, found.stderr) == (0, "")
    assert found.stdout.split() == ["422", "ok", "422"]

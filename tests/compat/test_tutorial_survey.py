"""Differences a survey of FastAPI's tutorial apps found, each now answered as FastAPI answers it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.harness import Call, assert_same, build_pair, get, post

EMBEDDED_OPTIONAL = """
from typing import Annotated
from fastapi import Body, FastAPI

app = FastAPI()

@app.put("/items/{item_id}")
async def upsert(item_id: str, name: Annotated[str | None, Body()] = None, size: Annotated[int | None, Body()] = None):
    return {"item_id": item_id, "name": name, "size": size}
"""


def test_embedded_optional_fields_without_a_json_body_take_their_defaults() -> None:
    assert_same(
        EMBEDDED_OPTIONAL,
        [
            Call("PUT", "/items/a", {"content": b'{"name":"x"}', "headers": {"content-type": "text/plain"}}),
            Call("PUT", "/items/a", {"content": b'{"name":"x"}'}),
            Call("PUT", "/items/a", {"json": {"name": "x", "size": 3}}),
            Call("PUT", "/items/a", {"json": [1]}),
        ],
    )


OPTIONAL_BYTES = """
from typing import Annotated
from fastapi import FastAPI, File

app = FastAPI()

@app.post("/file/")
async def create_file(file: Annotated[bytes | None, File()] = None):
    return {"file_size": len(file) if file else None}

@app.post("/files/")
async def create_files(files: Annotated[list[bytes] | None, File()] = None):
    return {"sizes": [len(f) for f in files] if files else None}
"""


def test_optional_bytes_files_receive_the_content() -> None:
    assert_same(
        OPTIONAL_BYTES,
        [
            post("/file/", files={"file": ("a.txt", b"hello", "text/plain")}),
            post("/file/"),
            post("/files/", files=[("files", ("a", b"abc", "text/plain")), ("files", ("b", b"de", "text/plain"))]),
            post("/files/"),
        ],
    )


SSE_EVENTS = """
from collections.abc import AsyncIterable
from fastapi import FastAPI
from fastapi.sse import EventSourceResponse, ServerSentEvent

app = FastAPI()

@app.get("/events", response_class=EventSourceResponse)
async def events() -> AsyncIterable[ServerSentEvent]:
    yield ServerSentEvent(data={"n": 1}, event="tick", id="1")
"""


def test_server_sent_event_items_are_not_documented_as_the_payload() -> None:
    assert_same(SSE_EVENTS, [get("/events")])


WEBSOCKET_HTTP_ERROR = """
from fastapi import FastAPI, HTTPException, WebSocket

app = FastAPI()

@app.websocket("/ws")
async def ws(websocket: WebSocket):
    raise HTTPException(status_code=403, detail="go away")
"""


def test_http_exception_before_accept_is_a_denial_response() -> None:
    theirs, ours = build_pair(WEBSOCKET_HTTP_ERROR)
    import fastapi.testclient
    import starlette.testclient

    import zephyr.testclient

    answers = []
    for client, denial in (
        (fastapi.testclient.TestClient(theirs.app), starlette.testclient.WebSocketDenialResponse),
        (zephyr.testclient.TestClient(ours.app), zephyr.testclient.WebSocketDenialResponse),
    ):
        with pytest.raises(denial) as caught, client.websocket_connect("/ws"):
            pass
        denied: Any = caught.value
        answers.append((denied.status_code, denied.json()))
    assert answers[0] == answers[1] == (403, {"detail": "go away"})


def test_openapi_is_rebuilt_after_late_routes() -> None:
    for module in build_pair("from fastapi import FastAPI\napp = FastAPI()\n"):
        app = module.app
        assert app.openapi()["paths"] == {}

        @app.get("/late")
        async def late() -> dict[str, int]:
            return {}

        assert list(app.openapi()["paths"]) == ["/late"]


def test_configuration_errors_are_assertion_errors_too() -> None:
    for module in build_pair("from fastapi import APIRouter\n"):
        with pytest.raises(AssertionError):
            module.APIRouter(prefix="/trailing/")


def test_response_validation_errors_name_their_endpoint() -> None:
    import re

    source = """
from fastapi import FastAPI
from pydantic import BaseModel

class Item(BaseModel):
    price: float

app = FastAPI()

@app.get("/bad", response_model=Item)
async def bad():
    return {"price": "not a number"}
"""
    import fastapi.testclient

    import zephyr.testclient

    messages = []
    for module, client in zip(
        build_pair(source), (fastapi.testclient.TestClient, zephyr.testclient.TestClient), strict=True
    ):
        with pytest.raises(Exception, match="validation error") as caught:
            client(module.app).get("/bad")
        messages.append(re.sub(r"line \d+", "line N", str(caught.value)))
    assert messages[0] == messages[1]
    assert messages[1].endswith("Endpoint: GET /bad")

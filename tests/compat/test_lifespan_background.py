"""Lifespan, ``app.state``, ``on_event`` handlers and background tasks behave as on FastAPI."""

from __future__ import annotations

from tests.compat.harness import assert_same, build_pair, get, post

LIFESPAN_APP = """
from contextlib import asynccontextmanager
from fastapi import FastAPI, Request

events = []

def fake_answer_to_everything_ml_model(x: float):
    return x * 42

ml_models = {}

@asynccontextmanager
async def lifespan(app: FastAPI):
    ml_models["answer_to_everything"] = fake_answer_to_everything_ml_model
    app.state.started = True
    events.append("startup")
    yield {"db": "connected"}
    ml_models.clear()
    events.append("shutdown")

app = FastAPI(lifespan=lifespan)

@app.get("/predict")
async def predict(x: float):
    result = ml_models["answer_to_everything"](x)
    return {"result": result}

@app.get("/state")
async def state(request: Request):
    return {"started": request.app.state.started, "db": request.state.db, "events": events}
"""


def test_lifespan_and_state() -> None:
    theirs, ours = assert_same(LIFESPAN_APP, [get("/predict?x=2"), get("/state")], lifespan=True)
    assert ours.events == theirs.events == ["startup", "shutdown"]


ON_EVENT_APP = """
from fastapi import FastAPI

app = FastAPI()
items = {}
log = []

@app.on_event("startup")
async def startup_event():
    items["foo"] = {"name": "Fighters"}
    items["bar"] = {"name": "Tenders"}

@app.on_event("shutdown")
def shutdown_event():
    log.append("Application shutdown")

@app.get("/items/{item_id}")
async def read_items(item_id: str):
    return items[item_id]
"""


def test_on_event() -> None:
    theirs, ours = assert_same(ON_EVENT_APP, [get("/items/foo"), get("/items/bar")], lifespan=True, deprecated=True)
    assert ours.log == theirs.log == ["Application shutdown"]


BACKGROUND_APP = """
from typing import Annotated
from fastapi import BackgroundTasks, Depends, FastAPI, Response

app = FastAPI()
log = []

def write_log(message: str):
    log.append(message)

async def async_log(message: str, suffix: str = "!"):
    log.append(message + suffix)

def get_query(background_tasks: BackgroundTasks, q: str | None = None):
    if q:
        background_tasks.add_task(write_log, f"found query: {q}")
    return q

@app.post("/send-notification/{email}")
async def send_notification(email: str, background_tasks: BackgroundTasks, q: Annotated[str, Depends(get_query)]):
    background_tasks.add_task(write_log, f"message to {email}")
    background_tasks.add_task(async_log, "async", suffix="?")
    return {"message": "Message sent"}

@app.get("/log")
def get_log():
    found = list(log)
    log.clear()
    return found

@app.get("/direct")
def direct(background_tasks: BackgroundTasks):
    background_tasks.add_task(write_log, "from direct")
    return Response("ok")
"""


def test_background_tasks() -> None:
    assert_same(
        BACKGROUND_APP,
        [
            post("/send-notification/a@b.c?q=hi"),
            get("/log"),
            post("/send-notification/x@y.z"),
            get("/log"),
            get("/direct"),
            get("/log"),
        ],
    )


def test_lifespan_failure_raises_on_both() -> None:
    source = LIFESPAN_APP.replace("    app.state.started = True\n", '    raise RuntimeError("no model")\n')
    theirs, ours = build_pair(source)
    import fastapi.testclient
    import pytest

    import zephyr.testclient

    with pytest.raises(RuntimeError, match="no model"), fastapi.testclient.TestClient(theirs.app):
        pass
    with pytest.raises(RuntimeError, match="no model"), zephyr.testclient.TestClient(ours.app):
        pass

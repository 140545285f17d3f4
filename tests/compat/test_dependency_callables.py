"""Dependencies given as partials, callable instances, ``functools.wraps`` wrappers and PEP 695 aliases, and
``Depends(scope=...)``, answer as on FastAPI."""

from __future__ import annotations

import sys

import fastapi.testclient
import pytest

import zephyr.testclient
from tests.compat.harness import assert_same, build_pair, get

CALLABLES_APP = """
import functools
from functools import partial
from typing import Annotated
from fastapi import Depends, FastAPI

app = FastAPI()
log = []

async def async_value(value: str, q: str = "none"):
    return f"{value}:{q}"

def sync_gen(value: str):
    log.append(f"enter {value}")
    yield value
    log.append(f"exit {value}")

async def async_gen(value: str):
    log.append(f"enter {value}")
    yield value
    log.append(f"exit {value}")

class AsyncCall:
    async def __call__(self, q: str = "a"):
        return f"async-call {q}"

class GenCall:
    def __call__(self, q: str = "g"):
        log.append("gen-call enter")
        yield f"gen-call {q}"
        log.append("gen-call exit")

class AsyncGenCall:
    async def __call__(self, q: str = "ag"):
        log.append("async-gen-call enter")
        yield f"async-gen-call {q}"
        log.append("async-gen-call exit")

class Prefixed:
    def __init__(self, prefix: str):
        self.prefix = prefix
    async def __call__(self, q: str):
        return self.prefix + q

def noop_wrapper(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper

@noop_wrapper
async def wrapped_async(q: str = "w"):
    return f"wrapped-async {q}"

@noop_wrapper
async def wrapped_async_gen(q: str = "wg"):
    log.append("wrapped-async-gen enter")
    yield f"wrapped-async-gen {q}"
    log.append("wrapped-async-gen exit")

@noop_wrapper
def wrapped_gen(q: str = "sg"):
    log.append("wrapped-gen enter")
    yield f"wrapped-gen {q}"
    log.append("wrapped-gen exit")

@app.get("/partial")
async def read_partial(
    a: Annotated[str, Depends(partial(async_value, "fixed"))],
    b: Annotated[str, Depends(partial(sync_gen, "sync-gen"))],
    c: Annotated[str, Depends(partial(async_gen, value="async-gen"))],
    d: Annotated[str, Depends(partial(partial(Prefixed("p-"))))],
):
    return [a, b, c, d]

@app.get("/instances")
async def read_instances(
    a: Annotated[str, Depends(AsyncCall())],
    b: Annotated[str, Depends(GenCall())],
    c: Annotated[str, Depends(AsyncGenCall())],
):
    return [a, b, c]

@app.get("/wrapped")
async def read_wrapped(
    a: Annotated[str, Depends(wrapped_async)],
    b: Annotated[str, Depends(wrapped_async_gen)],
    c: Annotated[str, Depends(wrapped_gen)],
):
    return [a, b, c]

@app.get("/wrapped-endpoint")
@noop_wrapper
async def wrapped_endpoint(q: str = "e"):
    return {"q": q}

@app.get("/log")
def read_log():
    found = list(log)
    log.clear()
    return found
"""


def test_partials_instances_and_wrappers_are_called_as_on_fastapi() -> None:
    assert_same(
        CALLABLES_APP,
        [
            get("/partial?q=x"),
            get("/log"),
            get("/instances?q=y"),
            get("/log"),
            get("/instances"),
            get("/log"),
            get("/wrapped?q=z"),
            get("/log"),
            get("/wrapped-endpoint?q=1"),
            get("/partial"),
            get("/log"),
        ],
    )


SCOPES_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI, WebSocket
from fastapi.responses import StreamingResponse

app = FastAPI()
log = []

def function_dep():
    log.append("function enter")
    yield "f"
    log.append("function exit")

async def request_dep():
    log.append("request enter")
    yield "r"
    log.append("request exit")

@app.get("/stream")
def stream(
    f: Annotated[str, Depends(function_dep, scope="function")],
    r: Annotated[str, Depends(request_dep, scope="request")],
):
    log.append("endpoint")
    def body():
        log.append("streaming")
        yield f + r
    return StreamingResponse(body())

@app.get("/same-cache")
def same_cache(
    a: Annotated[str, Depends(request_dep, scope="request")],
    b: Annotated[str, Depends(request_dep)],
):
    return [a, b]

@app.websocket("/ws")
async def ws(
    websocket: WebSocket,
    f: Annotated[str, Depends(function_dep, scope="function")],
    r: Annotated[str, Depends(request_dep)],
):
    await websocket.accept()
    log.append("ws endpoint")
    await websocket.send_text(f + r)
    await websocket.close()

@app.get("/log")
def read_log():
    found = list(log)
    log.clear()
    return found
"""


def test_dependency_scopes_exit_when_fastapi_exits_them() -> None:
    assert_same(SCOPES_APP, [get("/stream"), get("/log"), get("/same-cache"), get("/log")])


def test_dependency_scopes_on_websockets() -> None:
    theirs, ours = build_pair(SCOPES_APP)
    found = []
    for module, client_class in ((theirs, fastapi.testclient.TestClient), (ours, zephyr.testclient.TestClient)):
        client = client_class(module.app)
        with client.websocket_connect("/ws") as websocket:
            text = websocket.receive_text()
        found.append((text, client.get("/log").json()))
    assert found[0] == found[1]


REQUEST_ON_FUNCTION_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI

app = FastAPI()

def function_dep():
    yield "f"

def request_dep(f: Annotated[str, Depends(function_dep, scope="function")]):
    yield f

@app.get("/")
def endpoint(r: Annotated[str, Depends(request_dep, scope="request")]):
    return r
"""


def test_request_scope_depending_on_function_scope_is_refused_at_registration() -> None:
    errors = []
    for label in ("fastapi", "zephyr"):
        source = REQUEST_ON_FUNCTION_APP if label == "fastapi" else REQUEST_ON_FUNCTION_APP.replace("fastapi", "zephyr")
        with pytest.raises(Exception) as caught:
            exec(compile(source, f"<{label}>", "exec"), {})  # noqa: S102 - test app written here
        errors.append((type(caught.value).__name__, str(caught.value)))
    assert errors[1][0] == errors[0][0]
    assert errors[1][1].startswith(errors[0][1])


PEP695_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI

app = FastAPI()

def get_user(q: str = "anon"):
    return {"user": q}

type UserDep = Annotated[dict, Depends(get_user)]

@app.get("/user")
def read_user(user: UserDep):
    return user
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 `type` statements need Python 3.12+")
def test_pep695_type_alias_of_annotated_depends() -> None:
    assert_same(PEP695_APP, [get("/user"), get("/user?q=bob")])

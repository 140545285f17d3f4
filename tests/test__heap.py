"""``zephyr._heap``: Zephyr's servers freeze the start-up heap once, so full collections skip it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

_PROTOCOL = """
import gc
BASE = gc.get_freeze_count()
import asyncio
import uvicorn
from uvicorn.server import ServerState
from zephyr import FastAPI
from zephyr._protocol import ZephyrHttpProtocol
from tests.support.transport import RecordingTransport

config = uvicorn.Config(FastAPI(), http="zephyr._protocol:ZephyrHttpProtocol", lifespan="off", log_level="critical")
config.load()
loop = asyncio.new_event_loop()
before = gc.get_freeze_count()
protocol = ZephyrHttpProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
protocol.connection_made(RecordingTransport())
print(before - BASE, gc.get_freeze_count() - BASE)
"""

_RSGI = """
import gc
BASE = gc.get_freeze_count()
import asyncio
from zephyr import FastAPI
from zephyr._rsgi import RSGIAdapter

started = []
app = FastAPI(on_startup=[lambda: started.append(gc.get_freeze_count() - BASE)])
loop = asyncio.new_event_loop()
RSGIAdapter(app).startup(loop)
print(started[0], gc.get_freeze_count() - BASE)
"""


def _counts(code: str, **env: str) -> tuple[int, int]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.split()
    return int(before), int(after)


@pytest.mark.parametrize("code", [_PROTOCOL, _RSGI], ids=["zephyr-protocol", "rsgi"])
def test_a_started_server_freezes_the_start_up_heap(code: str) -> None:
    before, after = _counts(code)
    assert before == 0
    assert after > 10_000  # the imports, the app and its routes: out of every full collection from now on


@pytest.mark.parametrize("code", [_PROTOCOL, _RSGI], ids=["zephyr-protocol", "rsgi"])
def test_zephyr_gc_freeze_0_leaves_the_heap_alone(code: str) -> None:
    assert _counts(code, ZEPHYR_GC_FREEZE="0") == (0, 0)


def test_it_freezes_once_per_process() -> None:
    code = """
    import gc
    from zephyr._heap import freeze_startup_heap
    print(int(freeze_startup_heap()), int(freeze_startup_heap()))
    """
    assert _counts(code) == (1, 0)


_UVICORN_HTTPTOOLS = """
import gc
BASE = gc.get_freeze_count()
import threading, time, urllib.request
import uvicorn
from zephyr import FastAPI

app = FastAPI()
seen = []

@app.get("/")
def root() -> dict:
    seen.append(gc.get_freeze_count() - BASE)
    return {}

config = uvicorn.Config(app, host="127.0.0.1", port=int(PORT), http="httptools", log_level="critical")
server = uvicorn.Server(config)
thread = threading.Thread(target=server.run, daemon=True)
before = gc.get_freeze_count() - BASE
thread.start()
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=2).read()
        break
    except OSError:
        time.sleep(0.05)
server.should_exit = True
thread.join(10)
print(before, seen[0])
"""

_TEST_CLIENT = """
import gc
BASE = gc.get_freeze_count()
from zephyr import FastAPI
from zephyr.testclient import TestClient

with TestClient(FastAPI()) as client:
    client.get("/")
print(0, gc.get_freeze_count() - BASE)
"""


def test_a_zephyr_app_started_by_any_server_freezes_it() -> None:
    from tests.support.services import free_port

    before, after = _counts(_UVICORN_HTTPTOOLS.replace("PORT", str(free_port())))
    assert before == 0
    assert after > 10_000


def test_the_test_client_leaves_the_heap_alone() -> None:
    assert _counts(_TEST_CLIENT) == (0, 0)

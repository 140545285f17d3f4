from __future__ import annotations

import threading
from functools import partial
from typing import Any

import anyio
import fastapi
import fastapi.testclient
import pytest
import starlette.background

from zephyr.background import BackgroundTask, BackgroundTasks
from zephyr.responses import Response
from zephyr.types import Message

pytestmark = pytest.mark.anyio


async def test_async_task_runs_on_the_event_loop() -> None:
    calls: list[Any] = []

    async def task(a: int, *, b: int) -> None:
        calls.append((a, b, threading.get_ident()))

    await BackgroundTask(task, 1, b=2)()
    assert calls == [(1, 2, threading.get_ident())]


async def test_sync_task_runs_in_a_worker_thread() -> None:
    calls: list[Any] = []

    def task(a: int, *, b: int) -> None:
        calls.append((a, b, threading.get_ident()))

    await BackgroundTask(task, 1, b=2)()
    assert calls[0][:2] == (1, 2)
    assert calls[0][2] != threading.get_ident()


async def test_is_async_detects_partials_and_callable_instances() -> None:
    async def coro(x: int) -> None:
        pass

    class AsyncCallable:
        async def __call__(self) -> None:
            pass

    class SyncCallable:
        def __call__(self) -> None:
            pass

    assert BackgroundTask(partial(partial(coro), 1)).is_async
    assert BackgroundTask(AsyncCallable()).is_async
    assert not BackgroundTask(SyncCallable()).is_async
    assert not BackgroundTask(print).is_async


async def test_background_tasks_run_in_order() -> None:
    events: list[str] = []

    async def first() -> None:
        await anyio.sleep(0.001)
        events.append("first")

    def second(name: str) -> None:
        events.append(name)

    tasks = BackgroundTasks([BackgroundTask(first)])
    tasks.add_task(second, "second")
    tasks.add_task(second, name="third")
    await tasks()
    assert events == ["first", "second", "third"]
    assert isinstance(tasks, BackgroundTask)


async def test_background_task_error_stops_the_rest_and_propagates() -> None:
    events: list[str] = []

    def boom() -> None:
        raise ValueError("task failed")

    tasks = BackgroundTasks()
    tasks.add_task(boom)
    tasks.add_task(events.append, "never")
    with pytest.raises(ValueError, match="task failed"):
        await tasks()
    assert events == []


async def test_error_reaches_the_server_after_the_response_was_sent() -> None:
    sent: list[Message] = []

    def boom() -> None:
        raise ValueError("task failed")

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    with pytest.raises(ValueError, match="task failed"):
        await Response(b"ok", background=BackgroundTask(boom))({"type": "http"}, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_fastapi_behaviour_is_the_same_error_after_the_response() -> None:
    # The reference: FastAPI sends the response, then the task's error propagates to the server.
    app = fastapi.FastAPI()

    def boom() -> None:
        raise ValueError("task failed")

    @app.get("/")
    def endpoint(tasks: fastapi.BackgroundTasks) -> dict[str, str]:
        tasks.add_task(boom)
        return {"ok": "yes"}

    with fastapi.testclient.TestClient(app) as client, pytest.raises(ValueError, match="task failed"):
        client.get("/")
    with fastapi.testclient.TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert (response.status_code, response.json()) == (200, {"ok": "yes"})


async def test_starlette_background_interface_is_the_same() -> None:
    ours = BackgroundTasks()
    theirs = starlette.background.BackgroundTasks()
    ours.add_task(print, "x", end="")
    theirs.add_task(print, "x", end="")
    ours_task, theirs_task = ours.tasks[0], theirs.tasks[0]
    assert (ours_task.func, ours_task.args, ours_task.kwargs) == (
        theirs_task.func,
        theirs_task.args,
        theirs_task.kwargs,
    )
    assert ours_task.args == ("x",)


def test_reprs() -> None:
    task = BackgroundTask(print, 1, end="")
    assert repr(task) == f"BackgroundTask({print!r}, args=(1,), kwargs={{'end': ''}})"
    assert repr(BackgroundTasks([task])) == f"BackgroundTasks([{task!r}])"


def test_tasks_use_slots() -> None:
    with pytest.raises(AttributeError):
        BackgroundTask(print).other = 1  # type: ignore[attr-defined]

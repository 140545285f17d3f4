"""Clean-up of ``yield`` dependencies under cancellation, against FastAPI (which this module also runs).

A cancelled request (client gone, an outer timeout) must still wait for an async generator's clean-up to finish, and
a dependency that owns a cancel scope or a task group across its ``yield`` must exit it without breaking LIFO order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import anyio
import fastapi
import httpx
import pytest
from anyio.abc import TaskStatus

import zephyr

pytestmark = pytest.mark.anyio

# FastAPI's answers are the 0.165 ones (Depends(max_concurrency=), the shielded clean-up): on Python 3.10, whose newest
# FastAPI is 0.162.5, only Zephyr's side runs.
FRAMEWORKS = pytest.mark.parametrize(
    "framework",
    [pytest.param(fastapi, marks=pytest.mark.current_reference), zephyr],
    ids=["fastapi", "zephyr"],
)


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@FRAMEWORKS
@pytest.mark.parametrize("scope", ["function", "request"])
async def test_cancelled_request_waits_for_async_cleanup(framework: ModuleType, scope: str) -> None:
    entered, cleanup_started, release, finished = anyio.Event(), anyio.Event(), anyio.Event(), anyio.Event()
    events: list[str] = []
    app = framework.FastAPI()

    async def dependency() -> AsyncIterator[None]:
        events.append("enter")
        try:
            yield
        finally:
            events.append("cleanup start")
            cleanup_started.set()
            await release.wait()  # would raise Cancelled here if the clean-up were not shielded
            events.append("cleanup end")

    @app.get("/")
    async def endpoint(_: None = framework.Depends(dependency, scope=scope)) -> str:
        entered.set()
        await anyio.sleep_forever()
        return "unreachable"  # pragma: no cover

    with anyio.fail_after(5):
        async with _client(app) as client:

            async def request(*, task_status: TaskStatus[anyio.CancelScope]) -> None:
                with anyio.CancelScope() as cancel:
                    task_status.started(cancel)
                    await client.get("/")
                finished.set()

            async with anyio.create_task_group() as group:
                cancel = await group.start(request)
                await entered.wait()
                cancel.cancel()
                await cleanup_started.wait()
                await anyio.wait_all_tasks_blocked()
                assert not finished.is_set()  # the cancelled request is still waiting for the clean-up
                release.set()
                await finished.wait()
    assert events == ["enter", "cleanup start", "cleanup end"]


@FRAMEWORKS
@pytest.mark.parametrize("scope", ["function", "request"])
@pytest.mark.parametrize("cancel", [False, True])
async def test_dependency_owning_scopes_exits_them_in_order(framework: ModuleType, scope: str, cancel: bool) -> None:
    events: list[str] = []
    app = framework.FastAPI()
    external = anyio.CancelScope()

    async def owner() -> AsyncIterator[None]:
        with anyio.CancelScope():
            async with anyio.create_task_group():
                events.append("owner enter")
                try:
                    yield
                finally:
                    await anyio.sleep(0)
                    events.append("owner cleanup")

    async def plain() -> AsyncIterator[None]:
        events.append("plain enter")
        try:
            yield
        finally:
            await anyio.sleep(0)
            events.append("plain cleanup")

    @app.get("/")
    async def endpoint(
        _: None = framework.Depends(owner, scope=scope), __: None = framework.Depends(plain, scope=scope)
    ) -> str:
        if cancel:
            external.cancel()
            await anyio.sleep_forever()
        return "ok"

    with anyio.fail_after(5):
        async with _client(app) as client:
            with external:
                response = await client.get("/")
    if not cancel:
        assert response.json() == "ok"
    assert external.cancelled_caught is cancel
    assert events == ["owner enter", "plain enter", "plain cleanup", "owner cleanup"]


@FRAMEWORKS
@pytest.mark.parametrize("scope", ["function", "request"])
async def test_cleanup_error_under_cancellation_is_the_one_raised(framework: ModuleType, scope: str) -> None:
    events: list[str] = []
    external = anyio.CancelScope()
    cleanup_error = RuntimeError("cleanup failed")
    app = framework.FastAPI()

    async def outer() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await anyio.sleep(0)
            events.append("outer cleanup")

    async def inner(_: None = framework.Depends(outer, scope=scope)) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await anyio.sleep(0)
            events.append("inner cleanup")
            raise cleanup_error

    @app.get("/")
    async def endpoint(_: None = framework.Depends(inner, scope=scope)) -> None:
        external.cancel()
        await anyio.sleep(0)

    with anyio.fail_after(5):
        async with _client(app) as client:
            with external, pytest.raises(RuntimeError) as raised:
                await client.get("/")
    assert raised.value is cleanup_error
    assert isinstance(cleanup_error.__context__, anyio.get_cancelled_exc_class())
    assert events == ["inner cleanup", "outer cleanup"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Both backends for this module: trio's ``Cancelled`` is caught by any cancelled scope, asyncio's is not."""
    if request.param == "trio":
        pytest.importorskip("trio")
    return str(request.param)


@FRAMEWORKS
@pytest.mark.parametrize("scope", ["function", "request"])
async def test_task_group_absorbing_the_cancel_is_no_swallowed_error(framework: ModuleType, scope: str) -> None:
    events: list[str] = []
    external = anyio.CancelScope()
    app = framework.FastAPI()

    async def child() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            events.append("child stopped")

    async def dependency() -> AsyncIterator[None]:
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(child)
                try:
                    yield
                finally:
                    group.cancel_scope.cancel()  # on trio this scope then catches the request's Cancelled too
        finally:
            await anyio.sleep(0)
            events.append("cleanup end")

    @app.get("/")
    async def endpoint(_: None = framework.Depends(dependency, scope=scope)) -> str:
        external.cancel()
        await anyio.sleep(0)
        return "unreachable"  # pragma: no cover

    with anyio.fail_after(5):
        async with _client(app) as client:
            with external:
                await client.get("/")
    assert external.cancelled_caught  # the cancel is delivered again after the shielded exit, not a 500
    assert events == ["child stopped", "cleanup end"]


@FRAMEWORKS
async def test_dropped_declaration_drops_its_semaphore(framework: ModuleType) -> None:
    import gc
    import weakref

    declaration = framework.Depends(max_concurrency=1)
    semaphore = weakref.ref(declaration._concurrency.get_semaphore())
    gc.collect()
    assert semaphore() is declaration._concurrency.get_semaphore()  # one semaphore per declaration and loop
    del declaration
    gc.collect()
    assert semaphore() is None  # the running loop does not keep it alive

"""Work to do after the response has been sent.

A response runs its ``background`` once the last body message has been handed to the server, so the client gets its
answer without waiting. ``async def`` functions are awaited on the event loop; plain functions run in the worker
thread pool.

Errors: the tasks run in order and an exception stops the rest and propagates out of the application to the
server, which logs it (uvicorn: ``Exception in ASGI application``); the client already has its response. This is what
FastAPI does; ``TestClient(raise_server_exceptions=True)`` re-raises it in the test.

Example:
    ```python
    from zephyr import BackgroundTasks, FastAPI

    app = FastAPI()


    def write_log(message: str) -> None:
        with open("log.txt", "a") as log:
            print(message, file=log)


    @app.post("/notify/{email}")
    async def notify(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(write_log, f"notified {email}")
        return {"message": "Notification sent in the background"}
    ```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ParamSpec

from zephyr.concurrency import is_async_callable, run_in_threadpool

__all__ = ("BackgroundTask", "BackgroundTasks")

_P = ParamSpec("_P")

_operation: Callable[[Callable[..., Any]], AbstractContextManager[Any]] | None = None
"""Set by ``zephyr.telemetry`` when it traces operations: each task of a ``BackgroundTasks`` runs inside the context
manager it returns for the task's function (FastAPI's ``fastapi.background_task`` span). ``None``: nothing to do."""
_run: Callable[[BackgroundTask], Awaitable[None]] | None = None
"""Set by ``zephyr._interop.tracing`` when an instrumentation wrapped an app: each task of a ``BackgroundTasks`` is run
through it (it applies a replaced ``starlette.background.BackgroundTask.__call__``, as OpenTelemetry's FastAPI
instrumentation replaces it to trace each task). ``None``: the task is called."""


class BackgroundTask:
    """One function call to make after the response is sent.

    Example:
        ```python
        response = FileResponse(tmp_path, background=BackgroundTask(os.remove, tmp_path))
        ```

    Args:
        func: A plain or ``async def`` function.
        *args: Positional arguments for ``func``.
        **kwargs: Keyword arguments for ``func``.
    """

    __slots__ = ("args", "func", "is_async", "kwargs")

    def __init__(self, func: Callable[_P, Any], *args: _P.args, **kwargs: _P.kwargs) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = is_async_callable(func)

    async def __call__(self) -> None:
        """Make the call: await it, or run it in the thread pool if ``func`` is not ``async``."""
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.func!r}, args={self.args!r}, kwargs={self.kwargs!r})"


class BackgroundTasks(BackgroundTask):
    """An ordered list of background tasks; inject it into an endpoint or dependency to add tasks.

    A subclass of ``BackgroundTask`` so that it can be passed wherever one task is expected (``background=``).

    Example:
        ```python
        tasks = BackgroundTasks()
        tasks.add_task(send_email, "ada@example.com", subject="Welcome")
        return JSONResponse({"ok": True}, background=tasks)
        ```

    Args:
        tasks: Tasks to start with.
    """

    __slots__ = ("tasks",)

    def __init__(self, tasks: Sequence[BackgroundTask] | None = None) -> None:
        self.tasks = list(tasks) if tasks else []

    def add_task(self, func: Callable[_P, Any], *args: _P.args, **kwargs: _P.kwargs) -> None:
        """Add a call to make after the response is sent, after the tasks already added.

        Args:
            func: A plain or ``async def`` function.
            *args: Positional arguments for ``func``.
            **kwargs: Keyword arguments for ``func``.
        """
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        """Run the tasks one after another; an exception stops the rest and propagates."""
        operation, run = _operation, _run
        for task in self.tasks:
            if operation is None:
                await (task() if run is None else run(task))
            else:
                with operation(task.func):
                    await (task() if run is None else run(task))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.tasks!r})"

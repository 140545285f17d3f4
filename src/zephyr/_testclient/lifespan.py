"""Runs the ASGI lifespan protocol for ``with TestClient(app):`` in the client's blocking portal."""

from __future__ import annotations

import concurrent.futures
import math
from typing import Any

import anyio
import anyio.abc
import anyio.from_thread

from zephyr._heap import TEST_CLIENT_SCOPE_KEY
from zephyr.types import ASGIApp, Message

__all__ = ("LifespanRunner",)


class LifespanRunner:
    """Sends ``lifespan.startup`` and ``lifespan.shutdown`` to the app and checks its answers.

    An app that raises on the lifespan scope makes ``startup`` raise that exception (as Starlette's TestClient does);
    an app that returns without answering is taken as not using lifespan. A ``*.failed`` answer raises the exception
    the app ended with, or a ``RuntimeError`` carrying the app's message.

    Args:
        app: The ASGI app.
        state: The lifespan state dict, ``scope["state"]``; the app fills it at startup.
    """

    __slots__ = (
        "_app_inbox",
        "_cancel_scope",
        "_error",
        "_from_app",
        "_future",
        "_to_app",
        "app",
        "state",
        "supported",
    )

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.supported = True
        self._error: Exception | None = None

    def startup(self, portal: anyio.from_thread.BlockingPortal) -> None:
        """Start the app's lifespan task and wait until its startup completes.

        Args:
            portal: The portal the app runs in for as long as the client is entered.

        Raises:
            Exception: The exception the app raised during startup.
            RuntimeError: When the app answered ``lifespan.startup.failed`` without raising, or answered wrongly.
        """
        self._future, self._cancel_scope = portal.start_task(self._run)
        try:
            portal.call(self._exchange, "startup")
        except BaseException:
            self.stop(portal)
            raise

    def shutdown(self, portal: anyio.from_thread.BlockingPortal) -> None:
        """Send ``lifespan.shutdown``, wait for the answer and for the app's lifespan task to end.

        Args:
            portal: The portal the app runs in.

        Raises:
            Exception: The exception the app raised during shutdown.
            RuntimeError: When the app answered ``lifespan.shutdown.failed`` without raising, or answered wrongly.
        """
        try:
            if self.supported:
                portal.call(self._exchange, "shutdown")
        finally:
            self.stop(portal)

    def stop(self, portal: anyio.from_thread.BlockingPortal) -> None:
        """Cancel the lifespan task if it still runs, wait for it and close the streams."""
        if not self._future.done():
            portal.call(self._cancel_scope.cancel)
        concurrent.futures.wait([self._future])
        portal.call(self._close)

    def _close(self) -> None:
        self._to_app.close()
        self._app_inbox.close()
        self._from_app.close()

    async def _run(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        to_app, app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        app_outbox, from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._to_app, self._app_inbox, self._from_app = to_app, app_inbox, from_app
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
            TEST_CLIENT_SCOPE_KEY: True,
        }
        # The app's outbox is closed when it returns, so a waiting startup or shutdown sees the end of the stream.
        with app_outbox, anyio.CancelScope() as cancel_scope:
            task_status.started(cancel_scope)
            try:
                await self.app(scope, app_inbox.receive, app_outbox.send)
            except Exception as exc:
                # Kept to be raised in the caller's thread by the startup or shutdown that is waiting.
                self._error = exc

    async def _exchange(self, phase: str) -> None:
        await self._to_app.send({"type": f"lifespan.{phase}"})
        message = await self._next_message()
        if message is None:
            if self._error is not None:
                raise self._error
            # The app returned without answering: it does not use lifespan.
            self.supported = False
            return
        message_type = message["type"]
        if message_type == f"lifespan.{phase}.complete":
            return
        if message_type == f"lifespan.{phase}.failed":
            await self._next_message()  # the app raises right after saying so; wait for it to end
            if self._error is not None:
                raise self._error
            raise RuntimeError(f"Lifespan {phase} failed: {message.get('message', '')}")
        raise RuntimeError(
            f"Expected 'lifespan.{phase}.complete' or 'lifespan.{phase}.failed' from the app, got {message_type!r}."
        )

    async def _next_message(self) -> Message | None:
        try:
            return await self._from_app.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return None

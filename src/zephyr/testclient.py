"""``TestClient``: call an ASGI app in-process, with the httpx API, as FastAPI's and Starlette's TestClient do.

Example:
    ```python
    from zephyr.testclient import TestClient

    client = TestClient(app)


    def test_read_item() -> None:
        response = client.get("/items/1", headers={"x-token": "secret"})
        assert response.status_code == 200
        assert response.json() == {"id": 1}


    def test_with_lifespan() -> None:
        with TestClient(app) as client:  # runs startup, then shutdown on exit
            with client.websocket_connect("/ws") as websocket:
                websocket.send_text("hi")
                assert websocket.receive_text() == "hi"
    ```

Built on ``httpx2`` (or ``httpx`` where ``httpx2`` is not installed): ``pip install 'zephyr[testclient]'``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urljoin

import anyio.from_thread
from typing_extensions import Self

from zephyr._testclient.compat import httpx
from zephyr._testclient.lifespan import LifespanRunner
from zephyr._testclient.transport import TestClientTransport, Upgrade
from zephyr._testclient.websocket import WebSocketDenialResponse, WebSocketTestSession
from zephyr.types import ASGIApp

__all__ = ("TestClient", "WebSocketDenialResponse", "WebSocketTestSession")


class TestClient(httpx.Client):
    """An ``httpx`` client whose requests go straight to an ASGI app, in the same process.

    Used plainly, each request runs the app in a fresh event loop in a helper thread. Inside ``with client:`` one
    event loop serves every request and the app's lifespan runs: startup on entry (its failure raises), shutdown on
    exit, and the state the lifespan yields is in each request's ``scope["state"]``.

    Example:
        ```python
        with TestClient(app, base_url="https://example.org") as client:
            assert client.post("/items", json={"name": "x"}).status_code == 201
        ```

    Args:
        app: The ASGI app (a Zephyr app, a router, middleware, any ASGI 3 callable).
        base_url: Joined with relative request URLs; its host becomes the ``Host`` header.
        raise_server_exceptions: Re-raise an exception the app raises; ``False`` answers 500 instead (or returns the
            part of the response already sent).
        root_path: The ``root_path`` put in every scope, as behind a proxy that strips a prefix.
        backend: The async library to run the app on, ``"asyncio"`` or ``"trio"``.
        backend_options: Options for ``anyio.run``, such as ``{"use_uvloop": True}``.
        cookies: Cookies to send with every request; cookies the app sets are kept and sent back.
        headers: Headers to send with every request (``user-agent: testclient`` unless given).
        follow_redirects: Follow redirects the app answers with.
        client: The ``(host, port)`` put in ``scope["client"]``.
    """

    __test__ = False
    portal: anyio.from_thread.BlockingPortal | None = None

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        self.app_state: dict[str, Any] = {}
        self.async_backend: dict[str, Any] = {"backend": backend, "backend_options": backend_options or {}}
        self._exit_stack: contextlib.ExitStack | None = None
        self._shared_lock = threading.Lock()
        self._shared_users = 0
        self._shared_portal: (
            tuple[anyio.from_thread.BlockingPortal, contextlib.AbstractContextManager[anyio.from_thread.BlockingPortal]]
            | None
        ) = None
        transport = TestClientTransport(
            app,
            self._portal_factory,
            raise_server_exceptions=raise_server_exceptions,
            root_path=root_path,
            app_state=self.app_state,
            client=client,
        )
        default_headers = httpx.Headers(headers)
        default_headers.setdefault("user-agent", "testclient")
        super().__init__(
            base_url=base_url,
            headers=default_headers,
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )

    @contextlib.contextmanager
    def _portal_factory(self) -> Iterator[anyio.from_thread.BlockingPortal]:
        if self.portal is not None:
            yield self.portal
            return
        # Outside ``with client:``, requests and WebSocket sessions that overlap share one event loop, started by the
        # first and stopped when the last ends: two open sessions can then talk to each other through the app (a
        # chat broadcast) without waking one event loop's tasks from another's thread.
        with self._shared_lock:
            if self._shared_portal is None:
                starter = anyio.from_thread.start_blocking_portal(**self.async_backend)
                self._shared_portal = (starter.__enter__(), starter)
            portal, manager = self._shared_portal
            self._shared_users += 1
        try:
            yield portal
        finally:
            with self._shared_lock:
                self._shared_users -= 1
                last = self._shared_users == 0
                if last:
                    self._shared_portal = None
            if last:
                manager.__exit__(None, None, None)

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        """Open a WebSocket connection to the app; enter the returned session to connect.

        Args:
            url: The path (joined with ``ws://testserver``) or a full ``ws://`` or ``wss://`` URL.
            subprotocols: Subprotocols to offer, sent as ``sec-websocket-protocol``.
            **kwargs: Other request arguments, such as ``headers``, ``params`` or ``cookies``.

        Returns:
            The session, to be used as a context manager.

        Raises:
            RuntimeError: When the URL does not lead to a WebSocket upgrade.
        """
        headers = httpx.Headers(kwargs.get("headers"))
        headers.setdefault("connection", "upgrade")
        headers.setdefault("upgrade", "websocket")
        headers.setdefault("sec-websocket-key", "testserver==")
        headers.setdefault("sec-websocket-version", "13")
        if subprotocols is not None:
            headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
        kwargs["headers"] = headers
        try:
            super().request("GET", urljoin("ws://testserver", url), **kwargs)
        except Upgrade as upgrade:
            return upgrade.session
        raise RuntimeError(f"Expected a WebSocket upgrade for {url!r}; use a path or a ws:// or wss:// URL.")

    def __enter__(self) -> Self:
        with contextlib.ExitStack() as stack:
            self.portal = portal = stack.enter_context(anyio.from_thread.start_blocking_portal(**self.async_backend))
            stack.callback(self._reset_portal)
            lifespan = LifespanRunner(self.app, self.app_state)
            lifespan.startup(portal)
            stack.callback(lifespan.shutdown, portal)
            stack.callback(self._transport.close)
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        stack, self._exit_stack = self._exit_stack, None
        if stack is not None:
            stack.close()

    def _reset_portal(self) -> None:
        self.portal = None

"""``app.test_client()`` for ``zephyr.flask`` apps: Flask's test client, with every request served over ASGI.

The client is Flask's ``FlaskClient`` (``.data``, ``.get_json()``, ``follow_redirects``, ``session_transaction()``,
``with client:`` keeping ``request``/``g``/``session`` after a request), but it hands each request to the app's
ASGI entry point on an event loop, so tests exercise the path a server runs: the body read on the loop, the Flask
pipeline in a worker thread, async views on the loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient as _FlaskClient
from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import run_wsgi_app
from werkzeug.wsgi import get_current_url

from zephyr.flask._asgi import PRESERVE_CONTEXT
from zephyr.types import Message

__all__ = ("ASGIBridge", "FlaskClient")


class FlaskClient(_FlaskClient):
    """Flask's test client, sending each request through the app's ASGI entry point."""

    def run_wsgi_app(self, environ: dict[str, Any], buffered: bool = False) -> tuple[Iterable[bytes], str, Headers]:
        """Serve one request built by the client (through `ASGIBridge`) and keep the cookies it sets."""
        self._add_cookies_to_wsgi(environ)
        answer = run_wsgi_app(ASGIBridge(self.application), environ, buffered=buffered)
        url = urlsplit(get_current_url(environ))
        self._update_cookies_from_response(url.hostname or "localhost", url.path, answer[2].getlist("Set-Cookie"))
        return answer


class ASGIBridge:
    """A WSGI callable that serves each request with an ASGI app, on a fresh event loop.

    Args:
        app: An ASGI app (a ``zephyr.flask.Flask``).
    """

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Serve ``environ`` with the ASGI app and answer through ``start_response``."""
        scope = _scope(environ)
        body = environ["wsgi.input"].read()
        sent: list[Message] = []
        requested = False

        async def receive() -> Message:
            nonlocal requested
            if requested:
                return {"type": "http.disconnect"}
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        _run(self.app(scope, receive, send))
        start = sent[0]
        status = int(start["status"])
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in start["headers"]]
        start_response(f"{status} {_phrase(status)}", headers)
        return [message.get("body", b"") for message in sent[1:]]


def _phrase(status: int) -> str:
    # Werkzeug's phrases, as Flask's own status lines have them ("413 REQUEST ENTITY TOO LARGE" on every Python).
    return HTTP_STATUS_CODES.get(status, "unknown").upper()


def _scope(environ: dict[str, Any]) -> dict[str, Any]:
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        headers.append((name.replace("_", "-").lower().encode("latin-1"), str(value).encode("latin-1")))
    script = environ.get("SCRIPT_NAME", "")
    path = script + environ.get("PATH_INFO", "")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2] or "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": path.encode("latin-1").decode("utf-8", "replace"),
        "raw_path": path.encode("latin-1"),
        "root_path": script.encode("latin-1").decode("utf-8", "replace"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), int(environ.get("REMOTE_PORT") or 0)),
    }
    if PRESERVE_CONTEXT in environ:
        scope[PRESERVE_CONTEXT] = environ[PRESERVE_CONTEXT]
    return scope


def _run(coro: Any) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    # Called from async code (a test running on a loop): serve the request on a loop of its own, in a thread.
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=serve, name="zephyr-flask-test-request")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]

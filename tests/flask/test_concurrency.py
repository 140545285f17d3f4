"""Concurrent requests on the ASGI path never see each other's ``request``, ``g`` or ``session``.

Sync views run in worker threads, async views on the loop; a sync and an async hook run around both. Every request
carries its own id in the query, a header and its session cookie, and each view checks that all of them (and ``g``)
still agree after yielding to the others.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import zephyr.flask
from zephyr.flask import Flask, g, request, session
from zephyr.types import Message


def _app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "concurrency"

    @app.before_request
    def sync_hook() -> None:
        g.id = request.args["id"]

    @app.before_request
    async def async_hook() -> None:
        await asyncio.sleep(random.uniform(0, 0.002))
        g.seen_by_async_hook = request.headers["X-Id"]

    def mine() -> dict[str, Any]:
        return {
            "args": request.args["id"],
            "header": request.headers["X-Id"],
            "g": g.id,
            "hook": g.seen_by_async_hook,
            "session": session["id"],
        }

    @app.get("/sync")
    def sync_view() -> Any:
        time.sleep(random.uniform(0, 0.003))
        answer = mine()
        session["last"] = answer["args"]
        return {**answer, "thread": threading.get_ident()}

    @app.get("/async")
    async def async_view() -> Any:
        await asyncio.sleep(random.uniform(0, 0.003))
        answer = mine()
        session["last"] = answer["args"]
        return {**answer, "thread": threading.get_ident()}

    return app


async def _call(app: Flask, path: str, request_id: str, cookie: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "query_string": f"id={request_id}".encode(),
        "headers": [(b"host", b"test"), (b"x-id", request_id.encode()), (b"cookie", f"session={cookie}".encode())],
        "server": ("test", 80),
        "client": ("127.0.0.1", 1234),
        "scheme": "http",
        "http_version": "1.1",
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return sent[0]["status"], zephyr.flask.json.loads(body), headers


def test_concurrent_sync_and_async_requests_keep_their_own_context() -> None:
    app = _app()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None

    async def main() -> tuple[int, list[Any]]:
        calls = []
        for index in range(300):
            request_id = f"r{index}"
            path = "/sync" if index % 2 else "/async"
            calls.append(_call(app, path, request_id, serializer.dumps({"id": request_id})))
        return threading.get_ident(), await asyncio.gather(*calls)

    loop_thread, answers = asyncio.run(main())
    for index, (status, body, headers) in enumerate(answers):
        request_id = f"r{index}"
        thread = body.pop("thread")
        expected = dict.fromkeys(("args", "header", "g", "hook", "session"), request_id)
        assert (status, body) == (200, expected)
        # Sync views ran in worker threads, async views on the loop.
        assert (thread == loop_thread) is (index % 2 == 0)
        cookie = headers["set-cookie"].split(";")[0].removeprefix("session=")
        assert serializer.loads(cookie) == {"id": request_id, "last": request_id}

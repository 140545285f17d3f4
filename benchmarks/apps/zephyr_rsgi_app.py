"""The Zephyr benchmark app served over Granian's RSGI: the experiment behind "is RSGI worth implementing?".

RSGI hands the app a scope object and a protocol whose ``response_bytes`` sends a whole response in one call,
instead of ASGI's message dictionaries and awaited sends. This bridge gives Zephyr an RSGI entry point without
touching its core: it builds the ASGI scope from the RSGI one, reads the body with one ``await protocol()``, collects
the response's start and body messages and answers with one ``response_bytes`` (or a stream when the body comes in
parts). If even this thin bridge is not faster than Granian's own ASGI interface, a native RSGI path in Zephyr would
have to win back the whole difference on message handling alone; ``docs/benchmarks.md`` reports the numbers.
HTTP only: the benchmark has no WebSocket scenario.
"""

from typing import Any

from benchmarks.apps.zephyr_app import app as zephyr_app

__all__ = ("app",)

_ASGI = {"version": "3.0", "spec_version": "2.3"}


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port or 0)


class RSGIBridge:
    """An RSGI application that serves an ASGI app (HTTP only)."""

    def __init__(self, asgi_app: Any) -> None:
        self.app = asgi_app

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        path = scope.path
        query = scope.query_string
        asgi_scope = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": scope.http_version,
            "method": scope.method,
            "scheme": scope.scheme,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in scope.headers.items()],
            "client": _address(scope.client),
            "server": _address(scope.server),
            "state": {},
        }
        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": await protocol(), "more_body": False}
            await protocol.client_disconnect()
            return {"type": "http.disconnect"}

        status = 500
        headers: list[tuple[str, str]] = []
        stream: Any = None

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers, stream
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in message["headers"]]
                return
            body = message.get("body", b"")
            if stream is None and not message.get("more_body", False):
                protocol.response_bytes(status, headers, body)
                return
            if stream is None:
                stream = protocol.response_stream(status, headers)
            if body:
                await stream.send_bytes(body)

        await self.app(asgi_scope, receive, send)


app = RSGIBridge(zephyr_app)

"""``zephyr.websockets.WebSocket`` behind a real uvicorn server, driven by the ``websockets`` client library."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.server import SERVERS, Server, run_server

websockets_client = pytest.importorskip("websockets.sync.client")
websockets_exceptions = pytest.importorskip("websockets.exceptions")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with run_server("tests.e2e.apps.websockets_app:app", server=request.param) as server:
        yield server


def ws_url(server: Server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def wait_for_event(server: Server, event: list[Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while event not in httpx.get(server.url + "/events").json():
        if time.monotonic() > deadline:
            raise AssertionError(f"event {event!r} not recorded within {timeout} s")
        time.sleep(0.02)


def test_echo_with_subprotocol_headers_and_query(server: Server) -> None:
    url = ws_url(server, "/echo?token=abc")
    with websockets_client.connect(url, subprotocols=["chat"], additional_headers={"x-agent": "e2e"}) as ws:
        # Granian's RSGI (2.8) cannot negotiate a sub-protocol: docs/deployment.md says to serve such apps on ASGI.
        assert ws.subprotocol == (None if server.name == "granian-rsgi" else "chat")
        # Granian (2.x) does not send the extra headers of ``websocket.accept``; uvicorn does.
        assert ws.response.headers.get("x-room") == ("lobby" if server.name == "uvicorn" else None)
        assert json.loads(ws.recv()) == {"token": "abc", "agent": "e2e"}
        ws.send("hi")
        assert ws.recv() == "text:hi"
        ws.send(b"\x00\x01")
        assert ws.recv() == b"bytes:\x00\x01"
        ws.close(code=4000, reason="done")
    # Granian (2.x) passes the client's close code but not its reason to the app.
    # Granian's RSGI passes neither (the app sees 1005, "no status received").
    code = 1005 if server.name == "granian-rsgi" else 4000
    wait_for_event(server, ["disconnect", code, "done" if server.name == "uvicorn" else ""])


def test_json_until_the_client_leaves(server: Server) -> None:
    with websockets_client.connect(ws_url(server, "/json")) as ws:
        ws.send(json.dumps({"a": "é"}))
        assert ws.recv() == '{"got":{"a":"é"}}'
    wait_for_event(server, ["json done"])


def test_server_close_code_and_reason(server: Server) -> None:
    with (
        websockets_client.connect(ws_url(server, "/close")) as ws,
        pytest.raises(websockets_exceptions.ConnectionClosed) as info,
    ):
        ws.recv()
    assert info.value.rcvd is not None
    if server.name == "granian-rsgi":  # RSGI (Granian 2.8) closes without sending the app's code and reason
        assert info.value.rcvd.code == 1005
        return
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "bye")


def test_close_before_accept_is_a_403(server: Server) -> None:
    with pytest.raises(websockets_exceptions.InvalidStatus) as info:
        websockets_client.connect(ws_url(server, "/reject"))
    assert info.value.response.status_code == 403


def test_denial_response_reaches_the_client(server: Server) -> None:
    with pytest.raises(websockets_exceptions.InvalidStatus) as info:
        websockets_client.connect(ws_url(server, "/deny"))
    response = info.value.response
    assert response.status_code == 403
    if server.name == "granian-rsgi":  # RSGI refuses the handshake with the denial's status, without its body
        return
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body) == {"detail": "no entry"}

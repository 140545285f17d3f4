"""Whole apps through the test client, on FastAPI (with its TestClient) and on Zephyr (with ours): same answers.

Covers what FastAPI users' tests lean on: HTTP routes, errors re-raised or answered 500, cookies, redirects,
lifespan state, ``@app.websocket`` routes (echo, dependencies, validation, disconnects between clients) and
``httpx.AsyncClient`` over ``ASGITransport``.

No ``from __future__ import annotations`` here: the endpoints' annotations name the framework under test through
a local variable, so they must be evaluated when the functions are defined; mypy cannot follow such annotations.
"""
# mypy: disable-error-code="name-defined, valid-type, untyped-decorator, attr-defined"

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Annotated, Any

import fastapi
import fastapi.responses
import fastapi.testclient
import httpx2
import pytest

pytest.importorskip("zephyr.applications")

import zephyr
import zephyr.responses
import zephyr.testclient

_zephyr: Any = zephyr

FRAMEWORKS = {
    "fastapi": SimpleNamespace(
        FastAPI=fastapi.FastAPI,
        Depends=fastapi.Depends,
        Query=fastapi.Query,
        Header=fastapi.Header,
        Cookie=fastapi.Cookie,
        Request=fastapi.Request,
        Response=fastapi.Response,
        WebSocket=fastapi.WebSocket,
        WebSocketDisconnect=fastapi.WebSocketDisconnect,
        WebSocketException=fastapi.WebSocketException,
        RedirectResponse=fastapi.responses.RedirectResponse,
        StreamingResponse=fastapi.responses.StreamingResponse,
        UploadFile=fastapi.UploadFile,
        Form=fastapi.Form,
        TestClient=fastapi.testclient.TestClient,
    ),
    "zephyr": SimpleNamespace(
        FastAPI=_zephyr.FastAPI,
        Depends=_zephyr.Depends,
        Query=_zephyr.Query,
        Header=_zephyr.Header,
        Cookie=_zephyr.Cookie,
        Request=_zephyr.Request,
        Response=_zephyr.Response,
        WebSocket=_zephyr.WebSocket,
        WebSocketDisconnect=_zephyr.WebSocketDisconnect,
        WebSocketException=_zephyr.WebSocketException,
        RedirectResponse=zephyr.responses.RedirectResponse,
        StreamingResponse=zephyr.responses.StreamingResponse,
        UploadFile=_zephyr.UploadFile,
        Form=_zephyr.Form,
        TestClient=zephyr.testclient.TestClient,
    ),
}


@pytest.fixture(params=list(FRAMEWORKS))
def fw(request: pytest.FixtureRequest) -> SimpleNamespace:
    return FRAMEWORKS[request.param]


def build(fw: SimpleNamespace) -> Any:
    WebSocket = fw.WebSocket
    Request = fw.Request
    Response = fw.Response

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
        yield {"greeting": "hello"}

    app = fw.FastAPI(lifespan=lifespan)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("endpoint failed")

    @app.get("/login")
    async def login(response: Response) -> dict[str, str]:
        response.set_cookie("session", "s1")
        return {"ok": "yes"}

    @app.get("/me")
    async def me(session: Annotated[str | None, fw.Cookie()] = None) -> dict[str, Any]:
        return {"session": session}

    @app.get("/old")
    async def old() -> Any:
        return fw.RedirectResponse("/items/1?q=moved")

    @app.get("/greeting")
    async def greeting(request: Request) -> dict[str, Any]:
        return {"greeting": getattr(request.state, "greeting", None)}

    @app.post("/upload")
    async def upload(file: fw.UploadFile, name: Annotated[str, fw.Form()]) -> dict[str, Any]:
        data = await file.read()
        return {"filename": file.filename, "size": len(data), "type": file.content_type, "name": name}

    @app.get("/stream")
    async def stream() -> Any:
        async def numbers() -> AsyncIterator[str]:
            for number in range(3):
                yield f"{number}\n"

        return fw.StreamingResponse(numbers(), media_type="text/plain")

    @app.websocket("/ws/{room}")
    async def echo(websocket: WebSocket, room: str, token: str | None = None) -> None:
        await websocket.accept()
        while True:
            data = await websocket.receive_text()
            await websocket.send_text(f"{room}/{token}: {data}")

    async def get_token(websocket: WebSocket, token: Annotated[str | None, fw.Query()] = None) -> str:
        if token != "secret":
            raise fw.WebSocketException(code=1008, reason="bad token")
        return token

    @app.websocket("/secure")
    async def secure(websocket: WebSocket, token: Annotated[str, fw.Depends(get_token)]) -> None:
        await websocket.accept()
        await websocket.send_json({"token": token})
        await websocket.close()

    @app.websocket("/needs-query")
    async def needs_query(websocket: WebSocket, q: int) -> None:
        await websocket.accept()
        await websocket.close()  # pragma: no cover - validation fails first

    @app.websocket("/headers")
    async def headers(
        websocket: WebSocket,
        x_client: Annotated[str, fw.Header()],
        theme: Annotated[str | None, fw.Cookie()] = None,
    ) -> None:
        await websocket.accept()
        await websocket.send_json({"x_client": x_client, "theme": theme})
        await websocket.close()

    class ConnectionManager:
        def __init__(self) -> None:
            self.active: list[Any] = []

        async def broadcast(self, message: str) -> None:
            for connection in self.active:
                await connection.send_text(message)

    manager = ConnectionManager()

    @app.websocket("/chat/{client_id}")
    async def chat(websocket: WebSocket, client_id: int) -> None:
        await websocket.accept()
        manager.active.append(websocket)
        try:
            while True:
                data = await websocket.receive_text()
                await manager.broadcast(f"#{client_id}: {data}")
        except fw.WebSocketDisconnect:
            manager.active.remove(websocket)
            await manager.broadcast(f"#{client_id} left")

    return app


def test_http_route(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    response = client.get("/items/3", params={"q": "x"})
    assert response.status_code == 200
    assert response.json() == {"item_id": 3, "q": "x"}
    assert response.headers["content-type"] == "application/json"


def test_validation_error(fw: SimpleNamespace) -> None:
    response = fw.TestClient(build(fw)).get("/items/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_endpoint_exception_is_raised_or_answered_500(fw: SimpleNamespace) -> None:
    app = build(fw)
    with pytest.raises(ValueError, match="endpoint failed"):
        fw.TestClient(app).get("/boom")
    response = fw.TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_cookies_persist_between_requests(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    assert client.get("/me").json() == {"session": None}
    assert client.get("/login").json() == {"ok": "yes"}
    assert client.get("/me").json() == {"session": "s1"}


def test_redirect_is_followed(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    response = client.get("/old")
    assert response.status_code == 200
    assert response.json() == {"item_id": 1, "q": "moved"}
    assert client.get("/old", follow_redirects=False).status_code == 307


def test_file_upload_streams_a_multipart_body(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    files = {"file": ("data.bin", b"x" * 200_000, "application/octet-stream")}
    response = client.post("/upload", files=files, data={"name": "big"})
    assert response.status_code == 200
    assert response.json() == {
        "filename": "data.bin",
        "size": 200_000,
        "type": "application/octet-stream",
        "name": "big",
    }


def test_streaming_response_lines(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    with client.stream("GET", "/stream") as response:
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert list(response.iter_lines()) == ["0", "1", "2"]


def test_lifespan_state_reaches_requests(fw: SimpleNamespace) -> None:
    app = build(fw)
    with fw.TestClient(app) as client:
        assert client.get("/greeting").json() == {"greeting": "hello"}


def test_websocket_echo_then_disconnect_on_exit(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    with pytest.raises(fw.WebSocketDisconnect), client.websocket_connect("/ws/lobby?token=t") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "lobby/t: hi"
        websocket.send_text("again")
        assert websocket.receive_text() == "lobby/t: again"


def test_websocket_dependency_closes_with_policy_violation(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    with pytest.raises(fw.WebSocketDisconnect) as info, client.websocket_connect("/secure?token=wrong"):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    assert (info.value.code, info.value.reason) == (1008, "bad token")
    with client.websocket_connect("/secure?token=secret") as websocket:
        assert websocket.receive_json() == {"token": "secret"}


def test_websocket_validation_error_closes_1008(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw))
    with pytest.raises(fw.WebSocketDisconnect) as info, client.websocket_connect("/needs-query"):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    assert info.value.code == 1008


def test_websocket_headers_and_cookies(fw: SimpleNamespace) -> None:
    client = fw.TestClient(build(fw), cookies={"theme": "dark"})
    with client.websocket_connect("/headers", headers={"X-Client": "cli"}) as websocket:
        assert websocket.receive_json() == {"x_client": "cli", "theme": "dark"}


def chat(client: Any) -> None:
    with client.websocket_connect("/chat/1") as first, client.websocket_connect("/chat/2") as second:
        first.send_text("hello")
        assert first.receive_text() == "#1: hello"
        assert second.receive_text() == "#1: hello"
        second.close()
        assert first.receive_text() == "#2 left"


def test_websocket_clients_see_each_other_leave(fw: SimpleNamespace) -> None:
    with fw.TestClient(build(fw)) as client:
        chat(client)


@pytest.mark.parametrize("attempt", range(5))
def test_overlapping_sessions_share_one_event_loop_outside_the_block(attempt: int) -> None:
    # Starlette's TestClient runs each session in its own event loop here, and the broadcast then hangs at times.
    import asyncio

    fw = FRAMEWORKS["zephyr"]
    WebSocket = fw.WebSocket
    app = build(fw)
    loops: list[asyncio.AbstractEventLoop] = []

    @app.websocket("/loop")
    async def loop_of_session(websocket: WebSocket) -> None:
        await websocket.accept()
        loops.append(asyncio.get_running_loop())
        await websocket.send_text("ok")
        await websocket.receive_text()

    client = fw.TestClient(app)
    with client.websocket_connect("/loop") as first, client.websocket_connect("/loop") as second:
        assert (first.receive_text(), second.receive_text()) == ("ok", "ok")
        assert len(loops) == 2 and loops[0] is loops[1]  # both sessions run on one event loop
        first.send_text("bye")
        second.send_text("bye")
    chat(client)


@pytest.mark.anyio
async def test_async_client_over_asgi_transport(fw: SimpleNamespace) -> None:
    transport = httpx2.ASGITransport(app=build(fw))
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/items/5", params={"q": "async"})
        assert response.status_code == 200
        assert response.json() == {"item_id": 5, "q": "async"}
        assert (await client.get("/items/x")).status_code == 422

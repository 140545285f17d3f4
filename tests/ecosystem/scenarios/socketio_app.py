"""python-socketio: an ``AsyncServer`` wrapping the app (``ASGIApp(sio, other_asgi_app=app)``) and mounted on one."""

import json

import socketio  # type: ignore[import-untyped]
from fastapi import FastAPI
from fastapi.testclient import TestClient

sio = socketio.AsyncServer(async_mode="asgi")
seen: list[object] = []


@sio.event
async def connect(sid: str, environ: dict[str, object], auth: object) -> None:
    seen.append(["connect", environ["PATH_INFO"], auth])


@sio.event
async def shout(sid: str, data: str) -> str:
    await sio.emit("heard", data.upper(), to=sid)
    return data[::-1]


app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


wrapped = socketio.ASGIApp(sio, other_asgi_app=app)
mounted = FastAPI()
mounted.mount("/ws", socketio.ASGIApp(sio, socketio_path="/ws/socket.io"))


def session(client: TestClient, path: str) -> list[object]:
    """Engine.IO long-polling: handshake, a Socket.IO connect, an event with an ack and a server emit."""
    opened = client.get(path, params={"EIO": "4", "transport": "polling"})
    handshake = json.loads(opened.text[1:])
    params = {"EIO": "4", "transport": "polling", "sid": handshake["sid"]}
    client.post(path, params=params, content='40{"token":"t"}')
    connected = client.get(path, params=params).text
    client.post(path, params=params, content='421["shout","hi"]')
    received = sorted(client.get(path, params=params).text.split("\x1e"))
    return [opened.status_code, opened.text[0], sorted(handshake), connected[:2], received]


with TestClient(wrapped) as client:
    outcome = {"route": [client.get("/hello").status_code, client.get("/hello").json()]}
    outcome["wrapped"] = session(client, "/socket.io/")
    outcome["missing"] = client.get("/nope").status_code
with TestClient(mounted) as client:
    outcome["mounted"] = session(client, "/ws/socket.io/")
outcome["seen"] = seen
print(json.dumps(outcome))

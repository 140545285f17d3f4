"""A WebSocket chat: clients join ``/ws/{room}?name=...``; every message is broadcast to everyone in the room.

Each event is a JSON object sent to every member of the room, the sender included:

- ``{"type": "join", "room": ..., "name": ..., "members": [...]}`` when someone joins (``members`` in join order);
- ``{"type": "message", "room": ..., "name": ..., "text": ...}`` for each text frame a member sends;
- ``{"type": "leave", "room": ..., "name": ..., "members": [...]}`` when someone disconnects.

A name already taken in the room is refused (close code 1008), as is a missing or empty name. ``GET /rooms/{room}``
lists a room's members, and ``GET /`` serves a small page to try it in a browser.

Run it: ``uvicorn examples.chat:app``, then open http://127.0.0.1:8000/ in two tabs.
"""

from __future__ import annotations

from typing import Annotated, Any

from zephyr import FastAPI, Query, WebSocket, WebSocketDisconnect, WebSocketException, status
from zephyr.responses import HTMLResponse


class ChatRooms:
    """The open connections of every room, and broadcasting to them."""

    def __init__(self) -> None:
        self.rooms: dict[str, dict[str, WebSocket | None]] = {}

    def members(self, room: str) -> list[str]:
        """The names in ``room``, in the order they joined."""
        return list(self.rooms.get(room, {}))

    def reserve(self, room: str, name: str) -> bool:
        """Hold ``name`` in ``room`` while the connection is accepted; ``False`` when the name is taken there."""
        members = self.rooms.setdefault(room, {})
        if name in members:
            return False
        members[name] = None
        return True

    def join(self, room: str, name: str, websocket: WebSocket) -> None:
        """Attach the accepted connection to its reserved name: from now on it receives the room's events."""
        self.rooms.setdefault(room, {})[name] = websocket

    def leave(self, room: str, name: str) -> None:
        """Remove a member; the room disappears with its last member."""
        members = self.rooms.get(room, {})
        members.pop(name, None)
        if not members:
            self.rooms.pop(room, None)

    async def broadcast(self, room: str, event: dict[str, Any]) -> None:
        """Send ``event`` to every member of ``room``; a member whose connection fails is dropped."""
        # A copy: a member may leave while we are awaiting a send.
        for name, websocket in list(self.rooms.get(room, {}).items()):
            if websocket is None:  # still being accepted
                continue
            try:
                await websocket.send_json(event)
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.leave(room, name)


def create_app() -> FastAPI:
    """A chat app with its own rooms (tests build one each)."""
    app = FastAPI(title="Chat")
    rooms = ChatRooms()
    app.state.rooms = rooms

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return PAGE

    @app.get("/rooms/{room}")
    async def room_members(room: str) -> dict[str, Any]:
        return {"room": room, "members": rooms.members(room)}

    @app.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: str, name: Annotated[str, Query(min_length=1, max_length=32)]) -> None:
        if not rooms.reserve(room, name):
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason=f"The name {name!r} is taken in {room!r}")
        try:
            await websocket.accept()
            rooms.join(room, name, websocket)
            await rooms.broadcast(room, {"type": "join", "room": room, "name": name, "members": rooms.members(room)})
            while True:
                text = await websocket.receive_text()
                await rooms.broadcast(room, {"type": "message", "room": room, "name": name, "text": text})
        except WebSocketDisconnect:
            pass
        finally:
            rooms.leave(room, name)
        await rooms.broadcast(room, {"type": "leave", "room": room, "name": name, "members": rooms.members(room)})

    return app


PAGE = """<!doctype html>
<title>Chat</title>
<form id="join">Room <input id="room" value="lobby"> Name <input id="name" required> <button>Join</button></form>
<ul id="log"></ul>
<form id="say" hidden><input id="text" autocomplete="off"> <button>Send</button></form>
<script>
let socket;
const log = (line) => {
  const item = document.createElement("li");
  item.textContent = line;
  document.getElementById("log").append(item);
};
document.getElementById("join").onsubmit = (event) => {
  event.preventDefault();
  const room = encodeURIComponent(document.getElementById("room").value);
  const name = encodeURIComponent(document.getElementById("name").value);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/${room}?name=${name}`);
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "message") log(`${data.name}: ${data.text}`);
    else log(`* ${data.name} ${data.type === "join" ? "joined" : "left"} (${data.members.join(", ")})`);
  };
  socket.onclose = () => log("* disconnected");
  document.getElementById("say").hidden = false;
};
document.getElementById("say").onsubmit = (event) => {
  event.preventDefault();
  socket.send(document.getElementById("text").value);
  document.getElementById("text").value = "";
};
</script>
"""

app = create_app()

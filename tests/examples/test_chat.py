"""The chat example: several WebSocket clients in rooms, through the test client."""

from __future__ import annotations

from typing import Any

import pytest
from examples.chat import create_app

from zephyr.testclient import TestClient
from zephyr.websockets import WebSocketDisconnect


@pytest.fixture
def client() -> Any:
    with TestClient(create_app()) as client:
        yield client


def test_messages_are_broadcast_to_everyone_in_the_room(client: TestClient) -> None:
    with client.websocket_connect("/ws/lobby?name=ann") as ann:
        assert ann.receive_json() == {"type": "join", "room": "lobby", "name": "ann", "members": ["ann"]}
        with client.websocket_connect("/ws/lobby?name=bob") as bob:
            joined = {"type": "join", "room": "lobby", "name": "bob", "members": ["ann", "bob"]}
            assert ann.receive_json() == joined
            assert bob.receive_json() == joined
            with client.websocket_connect("/ws/lobby?name=cy") as cy:
                joined = {"type": "join", "room": "lobby", "name": "cy", "members": ["ann", "bob", "cy"]}
                assert [ann.receive_json(), bob.receive_json(), cy.receive_json()] == [joined] * 3
                bob.send_text("hello all")
                said = {"type": "message", "room": "lobby", "name": "bob", "text": "hello all"}
                assert [ann.receive_json(), bob.receive_json(), cy.receive_json()] == [said] * 3
                cy.send_text("é ✓")
                said = {"type": "message", "room": "lobby", "name": "cy", "text": "é ✓"}
                assert [ann.receive_json(), bob.receive_json(), cy.receive_json()] == [said] * 3
                assert client.get("/rooms/lobby").json() == {"room": "lobby", "members": ["ann", "bob", "cy"]}
            left = {"type": "leave", "room": "lobby", "name": "cy", "members": ["ann", "bob"]}
            assert [ann.receive_json(), bob.receive_json()] == [left] * 2
            ann.send_text("bye cy")
            said = {"type": "message", "room": "lobby", "name": "ann", "text": "bye cy"}
            assert [ann.receive_json(), bob.receive_json()] == [said] * 2
        assert ann.receive_json() == {"type": "leave", "room": "lobby", "name": "bob", "members": ["ann"]}
    assert client.get("/rooms/lobby").json() == {"room": "lobby", "members": []}


def test_rooms_are_isolated(client: TestClient) -> None:
    with client.websocket_connect("/ws/red?name=ann") as ann, client.websocket_connect("/ws/blue?name=bob") as bob:
        assert ann.receive_json()["members"] == ["ann"]
        assert bob.receive_json()["members"] == ["bob"]
        ann.send_text("only red")
        assert ann.receive_json()["text"] == "only red"
        bob.send_text("only blue")
        # bob's next event is his own message: ann's never reached the blue room
        assert bob.receive_json() == {"type": "message", "room": "blue", "name": "bob", "text": "only blue"}


def test_same_name_in_a_room_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/ws/lobby?name=ann") as ann:
        ann.receive_json()
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws/lobby?name=ann"):
            pass
        assert info.value.code == 1008
        assert info.value.reason == "The name 'ann' is taken in 'lobby'"
        with client.websocket_connect("/ws/other?name=ann") as elsewhere:
            assert elsewhere.receive_json()["members"] == ["ann"]


@pytest.mark.parametrize("url", ["/ws/lobby", "/ws/lobby?name=", "/ws/lobby?name=" + "x" * 33])
def test_missing_or_invalid_name_is_refused(client: TestClient, url: str) -> None:
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(url):
        pass
    assert info.value.code == 1008


def test_page_is_served(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "new WebSocket(" in response.text

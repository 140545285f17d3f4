from __future__ import annotations

import json
import uuid
from base64 import b64encode
from collections.abc import Iterator
from typing import Any

import fastapi
import itsdangerous
import pytest
from fastapi.testclient import TestClient as FastAPITestClient
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware

from tests.middleware._client import assert_exported_surface, make_client
from zephyr import FastAPI, Request
from zephyr.exceptions import FastAPIError
from zephyr.middleware.sessions import Session, SessionMiddleware
from zephyr.stores import MemoryStore, RedisStore
from zephyr.testclient import TestClient
from zephyr.types import Receive, Scope, Send
from zephyr.websockets import WebSocket

SECRET = "session-test-secret"


async def session_app(scope: Scope, receive: Receive, send: Send) -> None:
    """GET /: show the session; /set?k=v: set; /clear: clear; /rotate: regenerate; /logout: invalidate."""
    if scope["type"] == "lifespan":
        message = await receive()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await send({"type": "lifespan.shutdown.complete"})
        return
    session = scope["session"]
    path = scope["path"]
    query = scope["query_string"].decode()
    if path == "/set":
        key, _, value = query.partition("=")
        session[key] = value
    elif path == "/clear":
        session.clear()
    elif path == "/rotate":
        session.regenerate()
    elif path == "/logout":
        session.invalidate()
    elif path == "/read" and hasattr(session, "mark_accessed"):
        session.mark_accessed()
    body = json.dumps(dict(session)).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def test_cookie_mode_set_read_and_flags() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    response = client.get("/set?user=alice")
    cookie = response.headers["set-cookie"]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert cookie == f"session={value}; path=/; Max-Age=1209600; httponly; samesite=lax"
    signed = itsdangerous.TimestampSigner(SECRET).unsign(value.encode())
    assert signed == b64encode(json.dumps({"user": "alice"}).encode())
    assert client.get("/").json() == {"user": "alice"}
    # Unchanged session: no Set-Cookie.
    assert "set-cookie" not in client.get("/").headers


def test_cookie_flags_secure_domain_samesite() -> None:
    app = SessionMiddleware(
        session_app,
        secret_key=SECRET,
        https_only=True,
        domain="example.com",
        same_site="strict",
        max_age=None,
        session_cookie="sid",
        path="/app",
        partitioned=True,
    )
    cookie = make_client(app, base_url="https://testserver").get("/set?a=1").headers["set-cookie"]
    assert cookie.startswith("sid=")
    assert cookie.endswith("; path=/app; httponly; samesite=strict; secure; domain=example.com; partitioned")
    assert "Max-Age" not in cookie


def test_cookie_cleared_when_session_emptied() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    client.get("/set?user=alice")
    response = client.get("/clear")
    assert response.headers["set-cookie"] == (
        "session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax"
    )
    assert client.get("/").json() == {}


def test_bad_signature_and_expired_cookie_give_empty_session() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    client.cookies.set("session", "tampered.value.sig")
    assert client.get("/").json() == {}
    other = itsdangerous.TimestampSigner("other-secret").sign(b64encode(b'{"user": "mallory"}')).decode()
    client.cookies.set("session", other)
    assert client.get("/").json() == {}
    expired = make_client(SessionMiddleware(session_app, secret_key=SECRET, max_age=-1))
    expired.get("/set?user=alice")
    assert expired.get("/").json() == {}


def test_vary_cookie_added_when_read() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    assert client.get("/read").headers["vary"] == "Cookie"
    assert "vary" not in client.get("/").headers


def test_configuration_errors() -> None:
    with pytest.raises(FastAPIError, match="same_site='sometimes'"):
        SessionMiddleware(session_app, secret_key=SECRET, same_site="sometimes")  # type: ignore[arg-type]
    with pytest.raises(FastAPIError, match="forge"):
        SessionMiddleware(session_app, secret_key="")


@pytest.mark.parametrize("issuer", ["zephyr", "starlette"])
def test_cookie_interoperates_with_starlette(issuer: str) -> None:
    ours = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    theirs = make_client(StarletteSessionMiddleware(session_app, secret_key=SECRET))
    first, second = (ours, theirs) if issuer == "zephyr" else (theirs, ours)
    response = first.get("/set?user=alice")
    value = response.cookies["session"]
    second.cookies.set("session", value)
    assert second.get("/").json() == {"user": "alice"}


def test_wire_format_matches_starlette_except_timestamp() -> None:
    ours = make_client(SessionMiddleware(session_app, secret_key=SECRET, https_only=True, domain="a.test"))
    theirs = make_client(StarletteSessionMiddleware(session_app, secret_key=SECRET, https_only=True, domain="a.test"))
    for path in ("/set?user=alice", "/clear", "/", "/read"):
        a, b = ours.get(path), theirs.get(path)
        assert a.status_code == b.status_code
        assert a.json() == b.json()
        cookie_a, cookie_b = a.headers.get("set-cookie"), b.headers.get("set-cookie")
        if cookie_a is None or cookie_b is None:
            assert cookie_a == cookie_b
        else:
            assert cookie_a.split(";", 1)[1] == cookie_b.split(";", 1)[1]
            assert cookie_a.split(".")[0] == cookie_b.split(".")[0]  # same payload; timestamps may differ
        assert a.headers.get("vary") == b.headers.get("vary")


def server_cookie(response: Any) -> str:
    return str(response.cookies["session"])


def test_store_mode_keeps_only_id_in_cookie() -> None:
    store = MemoryStore()
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET, store=store))
    response = client.get("/set?user=alice")
    session_id = itsdangerous.TimestampSigner(SECRET).unsign(server_cookie(response)).decode()
    assert len(session_id) >= 40
    assert "alice" not in server_cookie(response)
    assert client.get("/").json() == {"user": "alice"}

    import anyio

    async def stored() -> bytes | None:
        return await store.get("session:" + session_id)

    assert json.loads(anyio.run(stored) or b"null") == {"user": "alice"}
    # An update keeps the same id.
    client.get("/set?role=admin")
    assert json.loads(anyio.run(stored) or b"null") == {"user": "alice", "role": "admin"}


def test_store_mode_regenerate_rotates_id_and_drops_old() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET, store=MemoryStore()))
    first = server_cookie(client.get("/set?user=alice"))
    rotated = server_cookie(client.get("/rotate"))
    assert rotated != first
    assert client.get("/").json() == {"user": "alice"}
    # The old id no longer works.
    attacker = make_client(SessionMiddleware(session_app, secret_key=SECRET, store=MemoryStore()))
    attacker.cookies.set("session", first)
    assert attacker.get("/").json() == {}


def test_store_mode_invalidate_deletes_data_and_clears_cookie() -> None:
    store = MemoryStore()
    app = SessionMiddleware(session_app, secret_key=SECRET, store=store)
    client = make_client(app)
    cookie = server_cookie(client.get("/set?user=alice"))
    response = client.get("/logout")
    assert response.headers["set-cookie"].startswith("session=null; path=/; expires=Thu, 01 Jan 1970")
    replay = make_client(app)
    replay.cookies.set("session", cookie)
    assert replay.get("/").json() == {}


def test_store_mode_unknown_id_starts_fresh_with_new_id() -> None:
    app = SessionMiddleware(session_app, secret_key=SECRET, store=MemoryStore())
    client = make_client(app)
    planted = itsdangerous.TimestampSigner(SECRET).sign(b"attacker-chosen-id").decode()
    client.cookies.set("session", planted)
    response = client.get("/set?user=alice")
    new_id = itsdangerous.TimestampSigner(SECRET).unsign(server_cookie(response)).decode()
    assert new_id != "attacker-chosen-id"


@pytest.fixture
def redis_store(redis_url: str) -> Iterator[RedisStore]:
    yield RedisStore(redis_url, prefix=f"test-sessions-{uuid.uuid4().hex}:")


def test_store_mode_with_redis(redis_store: RedisStore) -> None:
    # One event loop for every request: the Redis client's connections belong to the loop that opened them.
    with make_client(SessionMiddleware(session_app, secret_key=SECRET, store=redis_store, max_age=60)) as client:
        try:
            cookie = server_cookie(client.get("/set?user=alice"))
            session_id = itsdangerous.TimestampSigner(SECRET).unsign(cookie).decode()
            assert client.get("/").json() == {"user": "alice"}

            async def ttl() -> int:
                return int(await redis_store.client.ttl(redis_store.prefix + "session:" + session_id))

            assert 0 < client.portal.call(ttl) <= 60
            client.get("/logout")
            assert client.get("/").json() == {}
            assert client.portal.call(redis_store.get, "session:" + session_id) is None
        finally:
            client.portal.call(redis_store.close)


def modified(session: Session) -> bool:
    return session.modified


def test_session_dict_tracks_changes() -> None:
    session = Session({"a": 1})
    assert not modified(session)
    assert session.setdefault("a", 2) == 1
    assert not modified(session)
    session |= {"b": 2}
    assert modified(session) and session == {"a": 1, "b": 2}
    fresh = Session({"a": 1})
    assert fresh.pop("zzz", None) is None and not modified(fresh)
    fresh.pop("a")
    assert modified(fresh)
    other = Session({"a": 1})
    other.popitem()
    assert modified(other)
    third = Session()
    third.update(x=1)
    del third["x"]
    assert modified(third) and third == {}


# --- Through a Zephyr app, compared with FastAPI ----------------------------------------------------------------


def zephyr_login_routes(app: FastAPI) -> None:
    @app.post("/login/{user}")
    async def login(user: str, request: Request) -> dict[str, Any]:
        request.session["user"] = user
        return {"session": dict(request.session)}

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        return {"user": request.session.get("user")}

    @app.post("/logout")
    async def logout(request: Request) -> dict[str, Any]:
        request.session.clear()
        return {"ok": True}


def fastapi_login_routes(app: fastapi.FastAPI) -> None:
    @app.post("/login/{user}")
    async def login(user: str, request: fastapi.Request) -> dict[str, Any]:
        request.session["user"] = user
        return {"session": dict(request.session)}

    @app.get("/whoami")
    async def whoami(request: fastapi.Request) -> dict[str, Any]:
        return {"user": request.session.get("user")}

    @app.post("/logout")
    async def logout(request: fastapi.Request) -> dict[str, Any]:
        request.session.clear()
        return {"ok": True}


def test_app_matches_fastapi_session_behaviour() -> None:
    ours_app = FastAPI()
    ours_app.add_middleware(SessionMiddleware, secret_key=SECRET)
    zephyr_login_routes(ours_app)
    theirs_app = fastapi.FastAPI()
    theirs_app.add_middleware(StarletteSessionMiddleware, secret_key=SECRET)
    fastapi_login_routes(theirs_app)
    ours, theirs = TestClient(ours_app), FastAPITestClient(theirs_app)
    for method, path in [
        ("GET", "/whoami"),
        ("POST", "/login/alice"),
        ("GET", "/whoami"),
        ("POST", "/logout"),
        ("GET", "/whoami"),
    ]:
        a, b = ours.request(method, path), theirs.request(method, path)
        assert (a.status_code, a.json(), a.headers.get("vary")) == (b.status_code, b.json(), b.headers.get("vary"))
        assert ("set-cookie" in a.headers) == ("set-cookie" in b.headers)


def test_app_store_mode_regenerate_after_login() -> None:
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET, store=MemoryStore())

    @app.post("/login")
    async def login(request: Request) -> dict[str, bool]:
        request.session.regenerate()  # type: ignore[attr-defined]
        request.session["user"] = "alice"
        return {"ok": True}

    @app.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        return {"user": request.session.get("user")}

    client = TestClient(app)
    client.cookies.set("session", itsdangerous.TimestampSigner(SECRET).sign(b"planted").decode())
    issued = client.post("/login").cookies["session"]
    assert itsdangerous.TimestampSigner(SECRET).unsign(issued) != b"planted"
    fresh = TestClient(app)
    fresh.cookies.set("session", issued)
    assert fresh.get("/me").json() == {"user": "alice"}


def test_exported_surface() -> None:
    import zephyr.middleware.sessions as module

    assert_exported_surface(module)


def test_app_websocket_reads_session() -> None:
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET)

    @app.post("/login")
    async def login(request: Request) -> dict[str, bool]:
        request.session["user"] = "alice"
        return {"ok": True}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"user": websocket.session.get("user")})
        await websocket.close()

    client = TestClient(app)
    client.post("/login")
    with client.websocket_connect("/ws") as connection:
        assert connection.receive_json() == {"user": "alice"}


def test_signed_but_corrupt_cookie_gives_empty_session() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    client.cookies.set("session", itsdangerous.TimestampSigner(SECRET).sign(b"!!not base64 json").decode())
    assert client.get("/").json() == {}


def test_oversized_cookie_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET))
    with caplog.at_level("WARNING", logger="zephyr.sessions"):
        response = client.get("/set?big=" + "x" * 5000)
    assert response.status_code == 200
    assert "browsers drop cookies over 4096 bytes" in caplog.records[0].getMessage()


def test_vary_merges_with_existing_header() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"].mark_accessed()
        vary = [(b"vary", b"Accept-Encoding")] if scope["path"] == "/a" else [(b"Vary", b"Cookie")]
        await send({"type": "http.response.start", "status": 200, "headers": vary})
        await send({"type": "http.response.body", "body": b""})

    client = make_client(SessionMiddleware(app, secret_key=SECRET))
    assert client.get("/a").headers["vary"] == "Accept-Encoding, Cookie"
    assert client.get("/b").headers["vary"] == "Cookie"


# store failures (issue 12): the configured answer, never a 500 ------------------------------------------------------

UNAVAILABLE = {"detail": "Sessions are unavailable right now. Retry after 1 second."}


def signed_id(session_id: str = "some-session-id") -> str:
    return itsdangerous.TimestampSigner(SECRET).sign(session_id.encode()).decode()


def dead_redis() -> RedisStore:
    from tests.support.services import free_port

    return RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)


def test_store_failure_denies_requests_that_need_the_store(caplog: pytest.LogCaptureFixture) -> None:
    store = dead_redis()
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET, store=store))
    with caplog.at_level("WARNING"):
        anonymous = client.get("/")  # no cookie, no change: the store is not needed
        loading = client.get("/", headers={"cookie": f"session={signed_id()}"})
        saving = client.get("/set?user=alice")
    assert (anonymous.status_code, anonymous.json()) == (200, {})
    for response in (loading, saving):
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
        assert response.headers["retry-after"] == "1"
        assert "set-cookie" not in response.headers
    assert [r.name for r in caplog.records] == ["zephyr.stores"]  # the store's breaker, once


def test_store_failure_with_empty_serves_an_empty_session_and_keeps_the_cookie() -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET, store=dead_redis(), on_store_error="empty"))
    loading = client.get("/", headers={"cookie": f"session={signed_id()}"})
    saving = client.get("/set?user=alice")
    assert (loading.status_code, loading.json()) == (200, {})
    assert (saving.status_code, saving.json()) == (200, {"user": "alice"})
    assert "set-cookie" not in loading.headers
    assert "set-cookie" not in saving.headers  # not saved: no cookie for data that does not exist


class FailingStore(MemoryStore):
    """A store without a circuit breaker that fails every operation."""

    async def get(self, key: str) -> bytes | None:
        raise ConnectionError("store is down")

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        raise ConnectionError("store is down")


def test_failure_of_a_store_without_a_breaker_is_logged_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(SessionMiddleware(session_app, secret_key=SECRET, store=FailingStore()))
    with caplog.at_level("WARNING"):
        statuses = [client.get("/", headers={"cookie": f"session={signed_id()}"}).status_code for _ in range(3)]
    assert statuses == [503, 503, 503]
    assert [r.name for r in caplog.records] == ["zephyr.sessions"]
    assert (
        caplog.records[0]
        .getMessage()
        .startswith("Sessions: the store <tests.middleware.test_sessions.FailingStore object")
    )
    assert "(ConnectionError: store is down); on_store_error='deny' (1 failure(s)" in caplog.records[0].getMessage()


def test_store_failure_closes_a_websocket_with_1013() -> None:
    from zephyr.websockets import WebSocketDisconnect

    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET, store=dead_redis())

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:  # pragma: no cover - the middleware refuses the connection
        await websocket.accept()

    client = TestClient(app)
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/ws", headers={"cookie": f"session={signed_id()}"}),
    ):
        pass
    assert info.value.code == 1013


def test_on_store_error_is_checked() -> None:
    with pytest.raises(FastAPIError, match=r"on_store_error='later'\) must be 'deny' \(answer 503"):
        SessionMiddleware(session_app, secret_key=SECRET, on_store_error="later")  # type: ignore[arg-type]

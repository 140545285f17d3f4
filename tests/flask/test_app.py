"""``zephyr.flask.Flask``: the ASGI entry point, the WSGI one, sessions shared with Flask, the CLI."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Iterator
from typing import Any

import click
import flask
import pytest
import uvicorn
from werkzeug.test import Client

import zephyr.flask
from tests.flask.apps import factory, shop
from zephyr.flask import Flask
from zephyr.types import Message


async def _serve(app: Any, scope: dict[str, Any], chunks: list[Message]) -> list[Message]:
    sent: list[Message] = []
    incoming = iter(chunks)

    async def receive() -> Message:
        return next(incoming, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def _scope(method: str = "GET", path: str = "/", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": headers or [],
        "server": None,
        "client": None,
    }


def _body(sent: list[Message]) -> bytes:
    return b"".join(message.get("body", b"") for message in sent[1:])


def _echo_app() -> Flask:
    app = Flask(__name__)

    @app.post("/echo")
    def echo() -> Any:
        return {"data": flask.request.get_data(as_text=True), "host": flask.request.host}

    @app.get("/stream")
    def stream() -> Any:
        def chunks() -> Iterator[str]:
            yield "a"
            yield ""
            yield "b"

        return flask.Response(chunks(), mimetype="text/plain")

    return app


def test_a_user_logged_in_on_flask_stays_logged_in_on_zephyr_and_back() -> None:
    old, new = shop.build(flask), shop.build(zephyr.flask)
    old_client, new_client = old.test_client(), new.test_client()
    old_client.post("/login", data={"username": "ada", "password": "pw"})
    cookie = old_client.get_cookie("session")
    assert cookie is not None
    new_client.set_cookie("session", cookie.value)
    assert new_client.get("/whoami").get_json() == {"user": "ada", "permanent": False, "new": False}
    new_client.post("/login", data={"username": "bob", "password": "pw", "remember": "on"})
    back = new_client.get_cookie("session")
    assert back is not None
    old_client.set_cookie("session", back.value)
    assert old_client.get("/whoami").get_json() == {"user": "bob", "permanent": True, "new": False}


def test_the_app_is_also_a_wsgi_app() -> None:
    response = Client(_echo_app()).post("/echo", data="hi")
    assert (response.status_code, response.get_json()) == (200, {"data": "hi", "host": "localhost"})


def test_servers_see_an_asgi3_app() -> None:
    config = uvicorn.Config(_echo_app())
    config.load()
    assert config.interface == "asgi3"


def test_an_asgi2_server_is_served_too() -> None:
    app = _echo_app()

    async def main() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"x"}

        async def send(message: Message) -> None:
            sent.append(message)

        await app(_scope("POST", "/echo"))(receive, send)
        return sent

    sent = asyncio.run(main())
    assert (sent[0]["status"], _body(sent)) == (200, b'{"data":"x","host":"localhost"}\n')


def test_calling_the_app_without_arguments_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"app\(scope, receive, send\)"):
        _echo_app()()


def test_a_body_in_several_chunks_is_read_whole() -> None:
    chunks: list[Message] = [
        {"type": "http.request", "body": b"he", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"llo", "more_body": False},
    ]
    sent = asyncio.run(_serve(_echo_app(), _scope("POST", "/echo", [(b"host", b"h:1")]), chunks))
    assert _body(sent) == b'{"data":"hello","host":"h:1"}\n'


def test_a_body_over_max_content_length_stops_being_read_and_is_answered_413() -> None:
    app = _echo_app()
    app.config["MAX_CONTENT_LENGTH"] = 3
    chunks: list[Message] = [{"type": "http.request", "body": b"ab", "more_body": True}] * 2
    chunks.append({"type": "http.request", "body": b"never read", "more_body": False})
    received = iter(chunks)

    async def receive() -> Message:
        return next(received)

    async def send(message: Message) -> None:
        sent.append(message)

    sent: list[Message] = []
    asyncio.run(app(_scope("POST", "/echo", [(b"content-length", b"14")]), receive, send))
    assert (sent[0]["status"], next(received)["body"]) == (413, b"never read")


def test_a_client_gone_while_sending_its_body_gets_what_was_read() -> None:
    chunks: list[Message] = [{"type": "http.request", "body": b"par", "more_body": True}]
    sent = asyncio.run(_serve(_echo_app(), _scope("POST", "/echo"), chunks))
    assert _body(sent) == b'{"data":"par","host":"localhost"}\n'


def test_a_streamed_response_is_sent_chunk_by_chunk() -> None:
    sent = asyncio.run(_serve(_echo_app(), _scope(path="/stream"), []))
    assert [message.get("body") for message in sent[1:]] == [b"a", b"b", b""]
    assert [message.get("more_body", False) for message in sent[1:]] == [True, True, False]


def test_lifespan_completes_and_websockets_are_closed() -> None:
    app = _echo_app()
    asyncio.run(_serve(app, _scope(path="/stream"), []))  # starts the worker threads
    messages: list[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = asyncio.run(_serve(app, {"type": "lifespan"}, messages))
    assert [message["type"] for message in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert asyncio.run(_serve(app, {"type": "websocket", "path": "/"}, [])) == [
        {"type": "websocket.close", "code": 1000, "reason": ""}
    ]


def test_the_test_client_works_inside_a_running_loop() -> None:
    app = _echo_app()

    async def main() -> Any:
        return app.test_client().post("/echo", data="from a loop").get_json()

    assert asyncio.run(main()) == {"data": "from a loop", "host": "localhost"}


def test_an_error_under_testing_reaches_the_test_client() -> None:
    app = Flask(__name__)
    app.testing = True

    @app.get("/")
    def boom() -> Any:
        raise LookupError("propagated")

    with pytest.raises(LookupError, match="propagated"):
        app.test_client().get("/")


def test_async_views_outside_an_asgi_server_run_as_flask_runs_them() -> None:
    app = Flask(__name__)

    async def view() -> str:
        return "async"

    assert app.ensure_sync(len) is len
    if importlib.util.find_spec("asgiref") is None:  # Flask's own answer: it needs its 'async' extra
        with pytest.raises(RuntimeError, match="'async' extra"):
            app.ensure_sync(view)
    else:  # pragma: no cover - depends on the environment
        assert app.ensure_sync(view)() == "async"


def test_async_views_run_on_the_serving_loop() -> None:
    app = Flask(__name__)

    @app.get("/")
    async def where() -> Any:
        await asyncio.sleep(0)
        return {"thread": threading.get_ident()}

    async def main() -> tuple[int, list[Message]]:
        return threading.get_ident(), await _serve(app, _scope(), [])

    loop_thread, sent = asyncio.run(main())
    assert zephyr.flask.json.loads(_body(sent)) == {"thread": loop_thread}


def test_cli_commands_run_through_the_test_runner() -> None:
    app = factory.build(zephyr.flask)
    result = app.test_cli_runner().invoke(args=["greet", "Ada"])
    assert (result.exit_code, result.output) == (0, "hello, Ada\n")
    assert isinstance(app.cli.get_command(click.Context(app.cli), "greet"), click.Command)


def test_the_face_names_flasks_api() -> None:
    assert zephyr.flask.request is flask.request
    assert zephyr.flask.Flask is not flask.Flask
    assert issubclass(zephyr.flask.Flask, flask.Flask)
    assert zephyr.flask.MethodView is flask.views.MethodView
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = zephyr.flask.nothing


def test_with_client_keeps_the_request_context_after_a_request() -> None:
    app = _echo_app()
    app.config["SECRET_KEY"] = "k"

    @app.get("/remember")
    def remember() -> str:
        flask.session["seen"] = True
        flask.g.answer = 42
        return "ok"

    with app.test_client() as client:
        client.get("/remember?x=1")
        assert (flask.request.path, flask.request.args["x"], flask.g.answer) == ("/remember", "1", 42)
        assert flask.session["seen"] is True
    assert not flask.has_request_context()


def test_a_mounted_path_and_non_ascii_paths_and_repeated_headers() -> None:
    app = Flask(__name__)

    @app.get("/été/<name>")
    def where(name: str) -> Any:
        request = flask.request
        return {
            "name": name,
            "script_root": request.script_root,
            "path": request.path,
            "cookies": request.cookies.to_dict(),
            "accept": request.headers["Accept"],
        }

    headers = [(b"cookie", b"a=1"), (b"cookie", b"b=2"), (b"accept", b"text/html"), (b"accept", b"*/*")]
    scope = {**_scope(path="/shop/été/ça", headers=headers), "root_path": "/shop"}
    sent = asyncio.run(_serve(app, scope, []))
    assert zephyr.flask.json.loads(_body(sent)) == {
        "name": "ça",
        "script_root": "/shop",
        "path": "/été/ça",
        "cookies": {"a": "1", "b": "2"},
        "accept": "text/html,*/*",
    }


def test_a_wsgi_app_that_writes_or_answers_lazily() -> None:
    app = Flask(__name__)

    def writes(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", [])(b"legacy write()")
        return []

    def lazy(environ: Any, start_response: Any) -> Iterator[bytes]:
        start_response("299 Whatever", [("X-Lazy", "1")])  # called on the first chunk, as WSGI allows
        yield b"late"

    app.wsgi_app = writes  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="write\\(\\) callable"):
        asyncio.run(_serve(app, _scope(), []))
    app.wsgi_app = lazy  # type: ignore[method-assign]
    sent = asyncio.run(_serve(app, _scope(), []))
    assert (sent[0]["status"], sent[0]["headers"], _body(sent)) == (299, [(b"x-lazy", b"1")], b"late")
    response = app.test_client().get("/")
    assert (response.status, response.data) == ("299 UNKNOWN", b"late")


def test_an_error_in_the_test_client_inside_a_loop_reaches_the_caller() -> None:
    app = Flask(__name__)
    app.testing = True

    @app.get("/")
    def boom() -> Any:
        raise LookupError("from the thread")

    async def main() -> None:
        app.test_client().get("/")

    with pytest.raises(LookupError, match="from the thread"):
        asyncio.run(main())


def test_blocking_views_get_more_threads_up_to_the_limit() -> None:
    app = Flask(__name__)
    app.config["ZEPHYR_THREADS"] = 3
    release = threading.Event()

    @app.get("/block")
    def block() -> str:
        release.wait(timeout=10)
        return threading.current_thread().name

    async def main() -> list[list[Message]]:
        calls = [asyncio.ensure_future(_serve(app, _scope(path="/block"), [])) for _ in range(5)]
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(*calls)

    names = {_body(sent).decode() for sent in asyncio.run(main())}
    assert names <= {f"flask-{__name__}-{index}" for index in range(3)}
    assert app._workers is not None
    assert len(app._workers._threads) == 3

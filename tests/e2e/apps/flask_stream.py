"""A Flask app whose streamed response waits for a signal between chunks, mounted under a Zephyr app.

``GET /legacy/stream`` sends ``first`` and then blocks (bounded) until ``POST /release`` is called, so a client that
receives ``first`` before releasing proves the response is streamed, not buffered.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import flask

from zephyr.flask import mount_flask
from zephyr.flask.typed import Flask

__all__ = ("app",)

released = threading.Event()
legacy = flask.Flask("legacy_stream")


@legacy.route("/stream")
def stream() -> flask.Response:
    def chunks() -> Iterator[bytes]:
        yield b"first\n"
        finished = released.wait(timeout=10)
        yield b"second\n" if finished else b"timeout\n"

    return flask.Response(chunks(), mimetype="text/plain")


app = Flask(__name__)


@app.post("/release")
def release() -> dict[str, bool]:
    released.set()
    return {"released": True}


mount_flask(app, "/legacy", legacy)

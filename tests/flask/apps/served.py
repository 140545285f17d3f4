"""The shop app on ``zephyr.flask``, plus a sync and an async echo, for a real uvicorn server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import zephyr.flask
from tests.flask.apps import shop

__all__ = ("app",)

app = shop.build(zephyr.flask)


@app.get("/echo/sync/<int:n>")
def sync_echo(n: int) -> Any:
    zephyr.flask.g.n = n
    time.sleep(0.01)
    return {"n": n, "arg": zephyr.flask.request.args["n"], "g": zephyr.flask.g.n}


@app.get("/echo/async/<int:n>")
async def async_echo(n: int) -> Any:
    zephyr.flask.g.n = n
    await asyncio.sleep(0.01)
    return {"n": n, "arg": zephyr.flask.request.args["n"], "g": zephyr.flask.g.n}

"""Apps for ``zephyr flask parity``: the shop on Flask, on ``zephyr.flask``, and a changed version."""

from __future__ import annotations

from typing import Any

import flask

import zephyr.flask
from tests.flask.apps import shop

__all__ = ("changed", "new", "old")

old = shop.build(flask)
new = shop.build(zephyr.flask)
changed = shop.build(zephyr.flask)


@changed.after_request
def version(response: Any) -> Any:
    response.headers["X-Version"] = "2"
    return response


changed.view_functions["whoami"] = lambda: {"user": "someone else"}

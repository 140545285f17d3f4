"""Flask's API on Zephyr: switch a Flask app's imports from ``flask`` to ``zephyr.flask`` and serve it over ASGI.

``zephyr.flask`` offers every name ``flask`` does. ``Flask`` is Flask's app class made an ASGI app too (see
``zephyr.flask.app``); the rest (``request``, ``session``, ``g``, ``current_app``, ``render_template``, ``url_for``,
``Blueprint``, signals...) are Flask's own objects, so extensions that import ``flask`` see the same contexts.
This face needs Flask (``pip install 'zephyr[flask]'``) and imports it on first use of one of these names.

``mount_flask`` (serve a live WSGI app under a Zephyr app) needs no Flask; Flask-style views with typed parameters on
a Zephyr app live in ``zephyr.flask.typed``. See ``docs/flask.md``.

Example:
    ```python
    from zephyr.flask import Flask, render_template, request

    app = Flask(__name__)

    @app.route("/hello")
    def hello():
        return render_template("hello.html", name=request.args.get("name", "world"))
    ```
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zephyr.flask.mount import mount_flask as mount_flask

if TYPE_CHECKING:
    from flask import Blueprint as Blueprint
    from flask import Config as Config
    from flask import Request as Request
    from flask import abort as abort
    from flask import after_this_request as after_this_request
    from flask import appcontext_popped as appcontext_popped
    from flask import appcontext_pushed as appcontext_pushed
    from flask import appcontext_tearing_down as appcontext_tearing_down
    from flask import before_render_template as before_render_template
    from flask import copy_current_request_context as copy_current_request_context
    from flask import current_app as current_app
    from flask import flash as flash
    from flask import g as g
    from flask import get_flashed_messages as get_flashed_messages
    from flask import get_template_attribute as get_template_attribute
    from flask import got_request_exception as got_request_exception
    from flask import has_app_context as has_app_context
    from flask import has_request_context as has_request_context
    from flask import json as json
    from flask import jsonify as jsonify
    from flask import make_response as make_response
    from flask import message_flashed as message_flashed
    from flask import redirect as redirect
    from flask import render_template as render_template
    from flask import render_template_string as render_template_string
    from flask import request as request
    from flask import request_finished as request_finished
    from flask import request_started as request_started
    from flask import request_tearing_down as request_tearing_down
    from flask import send_file as send_file
    from flask import send_from_directory as send_from_directory
    from flask import session as session
    from flask import stream_template as stream_template
    from flask import stream_template_string as stream_template_string
    from flask import stream_with_context as stream_with_context
    from flask import template_rendered as template_rendered
    from flask import url_for as url_for

    from zephyr.flask.app import Flask as Flask
    from zephyr.flask.app import Response as Response
    from zephyr.flask.views import MethodView as MethodView
    from zephyr.flask.views import View as View

__all__ = (
    "Blueprint",
    "Config",
    "Flask",
    "MethodView",
    "Request",
    "Response",
    "View",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "mount_flask",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
)

_OURS = {
    "Flask": "zephyr.flask.app",
    "Response": "zephyr.flask.app",
    "MethodView": "zephyr.flask.views",
    "View": "zephyr.flask.views",
}


def __getattr__(name: str) -> Any:
    """Load a name of Flask's API on first use (importing Flask then, not with ``zephyr.flask``)."""
    if name not in __all__:
        raise AttributeError(f"module 'zephyr.flask' has no attribute {name!r}")
    try:
        module = importlib.import_module(_OURS.get(name, "flask"))
    except ImportError as exc:  # pragma: no cover - the test environment has Flask
        raise ImportError(
            f"zephyr.flask.{name} is Flask's API served by Zephyr and needs Flask: pip install 'zephyr[flask]'."
        ) from exc
    value = getattr(module, name)
    globals()[name] = value
    return value

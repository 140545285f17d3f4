"""Flask's face on Zephyr: Flask-style routes, hooks and blueprints, and mounting a live Flask app.

Flask itself is not needed (``mount_flask`` serves any WSGI app through a2wsgi). See ``docs/flask.md``.

Example:
    ```python
    from zephyr.flask import Blueprint, Flask, mount_flask

    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.route("/users/<int:user_id>")
    def user(user_id: int):
        return {"id": user_id}

    app.register_blueprint(api)
    mount_flask(app, "/legacy", legacy_flask_app)
    ```
"""

from __future__ import annotations

from zephyr.flask.app import Flask as Flask
from zephyr.flask.app import url_for as url_for
from zephyr.flask.blueprints import Blueprint as Blueprint
from zephyr.flask.globals import g as g
from zephyr.flask.hooks import FlaskRoute as FlaskRoute
from zephyr.flask.mount import mount_flask as mount_flask
from zephyr.flask.responses import InternalServerError as InternalServerError
from zephyr.flask.responses import abort as abort
from zephyr.flask.responses import jsonify as jsonify
from zephyr.flask.responses import make_response as make_response
from zephyr.flask.responses import redirect as redirect
from zephyr.flask.rules import convert_rule as convert_rule

__all__ = (
    "Blueprint",
    "Flask",
    "FlaskRoute",
    "InternalServerError",
    "abort",
    "convert_rule",
    "g",
    "jsonify",
    "make_response",
    "mount_flask",
    "redirect",
    "url_for",
)

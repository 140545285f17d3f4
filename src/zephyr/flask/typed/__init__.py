"""Flask-style views on a Zephyr app: Flask rules, return values, hooks and blueprints, with typed parameters.

This is the face for new code that wants Flask's decorators on FastAPI-style machinery (injected, validated
parameters; an OpenAPI entry per view). It does not import Flask. To run an existing Flask app unchanged, import
from ``zephyr.flask`` instead (see ``docs/flask.md``).

Example:
    ```python
    from zephyr.flask.typed import Blueprint, Flask

    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.route("/users/<int:user_id>")
    def user(user_id: int):
        return {"id": user_id}

    app.register_blueprint(api)
    ```
"""

from __future__ import annotations

from zephyr.flask.typed.app import Flask as Flask
from zephyr.flask.typed.app import url_for as url_for
from zephyr.flask.typed.blueprints import Blueprint as Blueprint
from zephyr.flask.typed.globals import g as g
from zephyr.flask.typed.hooks import FlaskRoute as FlaskRoute
from zephyr.flask.typed.responses import InternalServerError as InternalServerError
from zephyr.flask.typed.responses import abort as abort
from zephyr.flask.typed.responses import jsonify as jsonify
from zephyr.flask.typed.responses import make_response as make_response
from zephyr.flask.typed.responses import redirect as redirect
from zephyr.flask.typed.rules import convert_rule as convert_rule

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
    "redirect",
    "url_for",
)

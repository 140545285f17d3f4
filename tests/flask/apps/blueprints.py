"""Blueprints: nested, prefixes, ``url_for`` (``.name``, ``_external``, ``_anchor``, ``_method``), app-wide hooks."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from tests.flask.apps import ROOT
from tests.flask.harness import Call

__all__ = ("CALLS", "build")


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__, root_path=ROOT)
    url_for = flask.url_for
    api = flask.Blueprint("api", __name__, url_prefix="/api")
    v1 = flask.Blueprint("v1", __name__, url_prefix="/v1")
    admin = flask.Blueprint("admin", __name__, url_prefix="/admin", static_folder="admin_static")

    @api.before_app_request
    def everywhere() -> None:
        flask.g.app_wide = True

    @api.before_request
    def only_api() -> None:
        flask.g.api = True

    @api.app_errorhandler(404)
    def not_found(error: Any) -> Any:
        return {"missing": flask.request.path, "description": error.description}, 404

    @api.app_template_filter("shout")
    def shout(text: str) -> str:
        return text.upper() + "!"

    @v1.route("/users/<int:user_id>", methods=["GET", "POST"])
    def user(user_id: int) -> Any:
        return {
            "id": user_id,
            "self": url_for(".user", user_id=user_id),
            "abs": url_for("api.v1.user", user_id=user_id, _external=True, page=2),
            "anchor": url_for("index", _anchor="top"),
            "post": url_for("api.v1.user", user_id=1, _method="POST"),
            "blueprint": flask.request.blueprint,
            "blueprints": flask.request.blueprints,
            "endpoint": flask.request.endpoint,
            "g": [flask.g.get("app_wide"), flask.g.get("api")],
        }

    @admin.route("/")
    def dashboard() -> Any:
        return flask.render_template_string(
            "{{ 'admin'|shout }} {{ url_for('admin.static', filename='admin.css') }} {{ url_for('.dashboard') }}"
        )

    @app.route("/")
    def index() -> Any:
        return {"g": [flask.g.get("app_wide"), flask.g.get("api")], "bp": flask.request.blueprint}

    api.register_blueprint(v1)
    app.register_blueprint(api)
    app.register_blueprint(admin)
    app.register_blueprint(admin, name="admin2", url_prefix="/backoffice")
    return app


CALLS = (
    Call("get", "/"),
    Call("get", "/api/v1/users/5"),
    Call("post", "/api/v1/users/5"),
    Call("get", "/api/v1/users/5", {"base_url": "https://shop.example:8443/"}),
    Call("get", "/admin/"),
    Call("get", "/admin"),
    Call("get", "/backoffice/"),
    Call("get", "/admin/static/admin.css"),
    Call("get", "/nowhere"),
    Call("delete", "/api/v1/users/5"),
)

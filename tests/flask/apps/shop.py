"""Sessions, flash, templates and static files: a login, a cart in the session, messages with categories."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import Any

from tests.flask.apps import ROOT
from tests.flask.harness import Call

__all__ = ("CALLS", "build")


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__, root_path=ROOT)
    app.config.update(SECRET_KEY="shop-secret", PERMANENT_SESSION_LIFETIME=timedelta(days=3))
    session, request = flask.session, flask.request

    @app.context_processor
    def shop_name() -> dict[str, Any]:
        return {"shop": "Corner Shop"}

    @app.template_filter("money")
    def money(cents: int) -> str:
        return f"${cents / 100:.2f}"

    @app.template_global()
    def cart_size() -> int:
        return len(session.get("cart", []))

    @app.route("/")
    def index() -> Any:
        return flask.render_template("shop/index.html", products={"tea": 450, "cake": 1299}, note="<b>fresh</b>")

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            if request.form.get("password") != "pw":
                flask.flash("Wrong password", "error")
                return flask.redirect(flask.url_for("login"))
            session.clear()
            session["user"] = request.form["username"]
            session.permanent = request.form.get("remember") == "on"
            flask.flash(f"Welcome, {session['user']}")
            return flask.redirect(flask.url_for("index"))
        return flask.render_template("shop/login.html")

    @app.post("/cart/<item>")
    def add(item: str) -> Any:
        session.setdefault("cart", []).append(item)
        session.modified = True
        flask.flash(f"Added {item}", "info")
        return flask.redirect(flask.url_for("index"))

    @app.route("/whoami")
    def whoami() -> Any:
        return {"user": session.get("user"), "permanent": session.permanent, "new": session.new}

    @app.route("/messages")
    def messages() -> Any:
        return {"messages": flask.get_flashed_messages(with_categories=True, category_filter=["error", "info"])}

    @app.route("/logout")
    def logout() -> Any:
        session.pop("user", None)
        return flask.redirect("/")

    @app.route("/stream")
    def stream() -> Any:
        return flask.stream_template_string("{% for i in range(3) %}{{ i }}-{{ request.path }};{% endfor %}")

    @app.route("/file")
    def file() -> Any:
        return flask.send_from_directory(app.static_folder, "shop.css")

    return app


CALLS = (
    Call("get", "/"),
    Call("get", "/login"),
    Call("post", "/login", {"data": {"username": "ada", "password": "nope"}}),
    Call("get", "/messages"),
    Call("post", "/login", {"data": {"username": "ada", "password": "pw", "remember": "on"}}),
    Call("get", "/whoami"),
    Call("post", "/cart/tea"),
    Call("post", "/cart/cake"),
    Call("get", "/"),
    Call("get", "/"),
    Call("get", "/logout"),
    Call("get", "/whoami"),
    Call("get", "/stream"),
    Call("get", "/static/shop.css"),
    Call("get", "/static/missing.css"),
    Call("get", "/static/shop.css", {"headers": {"Range": "bytes=0-3"}}),
    Call("get", "/file"),
)

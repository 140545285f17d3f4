"""A small Flask shop, after the migration: only the flask import changed (the worked example of ``docs/flask.md``)."""

from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from zephyr.flask import Flask, abort, flash, g, redirect, render_template_string, request, session, url_for

app = Flask(__name__)
app.config.from_mapping(SECRET_KEY="change-me", PRODUCTS={"tea": 450, "cake": 1299})
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

PAGE = """<h1>{{ title }}</h1>{% for m in get_flashed_messages() %}<p class=flash>{{ m }}</p>{% endfor %}
{% if g.user %}<p>Hello {{ g.user }} <a href="{{ url_for('logout') }}">log out</a></p>{% endif %}{{ body }}"""


@app.before_request
def load_user() -> None:
    g.user = session.get("user")


@app.route("/")
def index() -> str:
    items = "".join(f"<li>{name}: {cents / 100:.2f}</li>" for name, cents in app.config["PRODUCTS"].items())
    return render_template_string(PAGE, title="Shop", body=f"<ul>{items}</ul>")


@app.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        session["user"] = request.form["name"]
        flash(f"Welcome, {session['user']}")
        return redirect(url_for("index"))
    return render_template_string(PAGE, title="Log in", body='<form method="post"><input name="name"></form>')


@app.route("/logout")
def logout() -> Any:
    session.pop("user", None)
    return redirect(url_for("index"))


@app.get("/api/products/<name>")
def product(name: str) -> dict[str, Any]:
    if name not in app.config["PRODUCTS"]:
        abort(404, description=f"No product {name!r}.")
    return {"name": name, "cents": app.config["PRODUCTS"][name], "by": request.remote_addr}


@app.errorhandler(404)
def not_found(error: Any) -> Any:
    return {"error": error.description}, 404

"""Flask's common extensions on one app: Flask-SQLAlchemy, Flask-Login, Flask-WTF (CSRF) and Flask-CORS."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from flask_cors import CORS
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import StringField
from wtforms.validators import DataRequired

from tests.flask.harness import Call

__all__ = ("CALLS", "build")


class NoteForm(FlaskForm):  # type: ignore[misc]
    text = StringField("text", validators=[DataRequired()])


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__)
    app.config.update(
        SECRET_KEY="extensions",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        WTF_CSRF_TIME_LIMIT=None,
    )

    class Base(DeclarativeBase):  # one per app: the two builds declare the same models
        pass

    db = SQLAlchemy(model_class=Base)

    class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    class Note(db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str]

    db.init_app(app)
    login = LoginManager(app)
    csrf = CSRFProtect(app)
    CORS(app, resources={r"/api/*": {"origins": "https://front.example"}}, supports_credentials=True)

    @login.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    @login.unauthorized_handler
    def unauthorized() -> Any:
        return {"error": "log in first"}, 401

    with app.app_context():
        db.create_all()
        db.session.add_all([User(id=1, name="ada"), User(id=2, name="bob")])
        db.session.commit()

    @app.post("/login/<int:user_id>")
    @csrf.exempt
    def do_login(user_id: int) -> Any:
        login_user(db.session.get(User, user_id))
        return {"user": current_user.name}

    @app.route("/logout")
    def do_logout() -> Any:
        logout_user()
        return {"user": None}

    @app.route("/notes", methods=["GET", "POST"])
    @login_required
    def notes() -> Any:
        form = NoteForm()
        if form.validate_on_submit():
            db.session.add(Note(text=f"{current_user.name}: {form.text.data}"))
            db.session.commit()
            return flask.redirect(flask.url_for("notes"))
        texts = [note.text for note in db.session.scalars(db.select(Note).order_by(Note.id))]
        errors = form.errors
        return flask.render_template_string(
            "{{ form.text.errors }} {{ notes }} {{ errors }}", form=form, notes=texts, errors=errors
        )

    @app.route("/api/me")
    def api_me() -> Any:
        return {"authenticated": current_user.is_authenticated}

    @csrf.exempt
    @app.post("/api/echo")
    def api_echo() -> Any:
        return {"got": flask.request.get_json()}

    @app.route("/token")
    def token() -> Any:
        return flask.render_template_string("{{ csrf_token() }}")

    return app


def _token_form(text: str) -> dict[str, Any]:
    return {"data": {"text": text}}


CALLS = (
    Call("get", "/notes"),
    Call("post", "/login/1"),
    Call("get", "/notes"),
    Call("post", "/notes", _token_form("no token")),
    Call("get", "/api/me", {"headers": {"Origin": "https://front.example"}}),
    Call("get", "/api/me", {"headers": {"Origin": "https://evil.example"}}),
    Call(
        "options",
        "/api/echo",
        {
            "headers": {
                "Origin": "https://front.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Content-Type",
            }
        },
    ),
    Call("post", "/api/echo", {"json": {"a": 1}, "headers": {"Origin": "https://front.example"}}),
    Call("get", "/logout"),
    Call("get", "/notes"),
)

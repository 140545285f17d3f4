"""A versioned API with blueprints, as the article writes it for Flask: ``api_v1`` and ``api_v2`` side by side.

Both versions serve the same users with different response shapes:

- ``GET /api/v1/users/<int:user_id>`` answers ``{"id": 1, "name": "Ada Lovelace"}``;
- ``GET /api/v2/users/<int:user_id>`` answers ``{"data": {"id": 1, "first_name": "Ada", "last_name": "Lovelace",
  "email": "ada@example.com"}, "meta": {"version": 2}}``, and v2 adds ``GET /api/v2/users`` with paging.

Every ``/api`` request must carry an API key in ``X-API-Key`` (a ``before_request`` hook on the parent ``api``
blueprint, which both versions are registered under): without a valid one the answer is 401 before any view runs,
and the key's owner is in ``g.client`` for the views. ``GET /health`` stays open. The views are Flask-style
(``<int:user_id>`` rules, dicts returned), yet their parameters are validated and listed in ``/docs``.

Settings from the environment (pydantic-settings): ``API_KEYS``, a JSON object of key to client name (default
``{"dev-key": "developer"}``).

Run it: ``zephyr run examples.versioned_api:app``, then ``curl localhost:8000/api/v2/users/1 -H 'X-API-Key:
dev-key'``.
"""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings

from zephyr import Query
from zephyr.flask.typed import Blueprint, Flask, abort, g
from zephyr.requests import Request

__all__ = ("USERS", "Settings", "app", "create_app")

USERS = {
    1: {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    2: {"first_name": "Alan", "last_name": "Turing", "email": "alan@example.com"},
    3: {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
}


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    api_keys: dict[str, str] = {"dev-key": "developer"}


def _user(user_id: int) -> dict[str, str]:
    if user_id not in USERS:
        abort(404, f"No user {user_id}")
    return USERS[user_id]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()
    app = Flask(__name__, title="Versioned API")
    api = Blueprint("api", __name__, url_prefix="/api")
    api_v1 = Blueprint("api_v1", __name__, url_prefix="/v1")
    api_v2 = Blueprint("api_v2", __name__, url_prefix="/v2")

    @api.before_request
    def authenticate(request: Request) -> tuple[dict[str, str], int, dict[str, str]] | None:
        client = settings.api_keys.get(request.headers.get("x-api-key", ""))
        if client is None:
            return {"error": "A valid X-API-Key header is required"}, 401, {"WWW-Authenticate": "ApiKey"}
        g.client = client
        return None

    @api_v1.route("/users/<int:user_id>")
    def get_user_v1(user_id: int) -> dict[str, Any]:
        user = _user(user_id)
        return {"id": user_id, "name": f"{user['first_name']} {user['last_name']}"}

    @api_v2.route("/users/<int:user_id>")
    def get_user_v2(user_id: int) -> dict[str, Any]:
        return {"data": {"id": user_id, **_user(user_id)}, "meta": {"version": 2, "client": g.client}}

    @api_v2.route("/users")
    def list_users_v2(offset: int = Query(default=0, ge=0), limit: int = Query(default=2, ge=1, le=100)) -> Any:
        ids = sorted(USERS)[offset : offset + limit]
        return {
            "data": [{"id": user_id, **USERS[user_id]} for user_id in ids],
            "meta": {"version": 2, "total": len(USERS), "offset": offset, "limit": limit},
        }

    @app.route("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.errorhandler(404)
    def not_found(exc: Any) -> tuple[dict[str, Any], int]:
        return {"error": getattr(exc, "detail", "Not Found")}, 404

    api.register_blueprint(api_v1)
    api.register_blueprint(api_v2)
    app.register_blueprint(api)
    return app


app = create_app()

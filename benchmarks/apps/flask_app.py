"""The benchmark scenarios as a Flask app, served by gunicorn with one sync worker.

Flask has no body validation of its own, so the app validates with the same Pydantic models as the others and
answers a ``pydantic.ValidationError`` with 422.
"""

import itertools
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from benchmarks.apps._data import EXTRA_ROUTES, ITEMS, USERS_BY_TOKEN

__all__ = ("app",)


class UserIn(BaseModel):
    name: str
    email: str
    age: int = Field(ge=18)


class UserOut(BaseModel):
    id: int
    name: str
    email: str
    age: int


class User(BaseModel):
    id: int
    name: str
    email: str


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str]


app = Flask(__name__)
_ids = itertools.count(1)
_items = TypeAdapter(list[Item])


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"message": "hello"}


@app.get("/users/<int:user_id>")
def read_user(user_id: int) -> dict[str, Any]:
    limit = request.args.get("limit", 10, type=int)
    q = request.args.get("q")
    return {"user_id": user_id, "limit": limit, "q": q}


@app.post("/users")
def create_user() -> tuple[dict[str, Any], int]:
    try:
        user = UserIn.model_validate(request.get_json())
    except ValidationError as exc:
        return {"detail": exc.errors(include_url=False)}, 422
    return UserOut(id=next(_ids), **user.model_dump()).model_dump(mode="json"), 201


@app.get("/items")
def list_items() -> Response:
    return jsonify(_items.dump_python(_items.validate_python(ITEMS), mode="json"))


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        abort(401)
    return token


def current_user() -> dict[str, Any]:
    user = USERS_BY_TOKEN.get(bearer_token())
    if user is None:
        abort(401)
    return user


@app.get("/me")
def me() -> dict[str, Any]:
    return User.model_validate(current_user()).model_dump(mode="json")


def _add_extra_route(i: int) -> None:
    def extra(x: int) -> dict[str, int]:
        return {"route": i, "x": x}

    app.add_url_rule(f"/r{i}/<int:x>", endpoint=f"r{i}", view_func=extra)


for _i in range(EXTRA_ROUTES):
    _add_extra_route(_i)

"""The benchmark scenarios as a Litestar app, written the way Litestar's documentation writes apps.

Bodies and responses use Pydantic models (not msgspec structs or dataclasses) so the validation work is the same as
in the FastAPI and Zephyr apps. Litestar answers validation errors with 400 by default; an exception handler turns
them into 422 as the other apps do.
"""

import itertools
from typing import Annotated, Any

from litestar import Litestar, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.response import Response
from pydantic import BaseModel, Field

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


_ids = itertools.count(1)


@get("/hello")
async def hello() -> dict[str, str]:
    return {"message": "hello"}


@get("/users/{user_id:int}")
async def read_user(
    user_id: FromPath[int], limit: FromQuery[int] = 10, q: FromQuery[str | None] = None
) -> dict[str, Any]:
    return {"user_id": user_id, "limit": limit, "q": q}


@post("/users")
async def create_user(data: JSONBody[UserIn]) -> UserOut:
    return UserOut(id=next(_ids), **data.model_dump())


@get("/items")
async def list_items() -> list[Item]:
    return [Item.model_validate(row) for row in ITEMS]


async def provide_token(authorization: Annotated[str | None, HeaderParameter(name="Authorization")] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("Not authenticated")
    return token


async def provide_user(token: NamedDependency[str]) -> dict[str, Any]:
    user = USERS_BY_TOKEN.get(token)
    if user is None:
        raise NotAuthorizedException("Invalid token")
    return user


@get("/me", dependencies={"token": Provide(provide_token), "user": Provide(provide_user)})
async def me(user: NamedDependency[dict[str, Any]]) -> User:
    return User.model_validate(user)


def _extra_route(i: int) -> HTTPRouteHandler:
    @get(f"/r{i}/{{x:int}}", name=f"r{i}")
    async def extra(x: FromPath[int]) -> dict[str, int]:
        return {"route": i, "x": x}

    return extra


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    return Response({"detail": exc.extra}, status_code=422)


app = Litestar(
    route_handlers=[
        hello,
        read_user,
        create_user,
        list_items,
        me,
        *(_extra_route(i) for i in range(EXTRA_ROUTES)),
    ],
    exception_handlers={ValidationException: _validation_error},
)

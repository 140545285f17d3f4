# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators
# Handlers have no return annotations on purpose: FastAPI turns a return annotation into a response model, which
# changes the work measured; these are written as FastAPI's tutorial writes them.
"""The benchmark scenarios as a FastAPI app, written the way FastAPI's tutorial writes apps.

``zephyr_app.py`` is this file with ``fastapi`` replaced by ``zephyr`` in the imports (a test checks it), which is
the point: the same source runs on both.
"""

import itertools
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException
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


app = FastAPI(title="benchmark")
_ids = itertools.count(1)


@app.get("/hello")
async def hello():
    return {"message": "hello"}


@app.get("/users/{user_id}")
async def read_user(user_id: int, limit: int = 10, q: str | None = None):
    return {"user_id": user_id, "limit": limit, "q": q}


@app.post("/users", response_model=UserOut, status_code=201)
async def create_user(user: UserIn):
    return {"id": next(_ids), **user.model_dump()}


@app.get("/items", response_model=list[Item])
async def list_items():
    return ITEMS


async def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return token


async def current_user(token: Annotated[str, Depends(bearer_token)]) -> dict[str, Any]:
    user = USERS_BY_TOKEN.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/me", response_model=User)
async def me(user: Annotated[dict[str, Any], Depends(current_user)]):
    return user


def _add_extra_route(i: int) -> None:
    async def extra(x: int):
        return {"route": i, "x": x}

    extra.__name__ = f"r{i}"
    app.get(f"/r{i}/{{x}}")(extra)


for _i in range(EXTRA_ROUTES):
    _add_extra_route(_i)

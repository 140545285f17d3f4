"""Users in PostgreSQL through asyncpg: the article's "async database operations".

- ``POST /users`` validates ``User`` (a name, a real email address, ``age >= 18``), stores it and answers 201 with the
  stored row (``response_model=UserOut``); a second user with the same email is refused with 409.
- ``GET /users/{user_id}`` answers the row or 404.

The connection pool is opened in the app's lifespan (once per worker, before the first request) and closed when the
server stops; each request borrows a connection from it for the time of one query.

Settings come from the environment (pydantic-settings): ``DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), ``USERS_TABLE`` (default ``users``; created if missing),
``POOL_MIN_SIZE`` and ``POOL_MAX_SIZE``.

Run it: ``DATABASE_URL=postgresql://user:password@127.0.0.1:5432/app zephyr run examples.users:app``, then
``curl -X POST localhost:8000/users -H 'content-type: application/json'
-d '{"name": "Ada", "email": "ada@example.com", "age": 36}'``. Needs ``pip install 'zephyr[examples]'``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from pydantic import BaseModel, EmailStr, Field
from pydantic_settings import BaseSettings

from zephyr import Depends, FastAPI, HTTPException, Request, status

__all__ = ("Connection", "Settings", "User", "UserOut", "app", "connection", "create_app")


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    database_url: str = "postgresql://postgres@127.0.0.1:5432/test"
    users_table: str = Field(default="users", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    pool_min_size: int = 1
    pool_max_size: int = 10


class User(BaseModel):
    """The body of ``POST /users``."""

    name: str = Field(min_length=1, max_length=100, examples=["Ada"])
    email: EmailStr = Field(examples=["ada@example.com"])
    age: int = Field(ge=18, le=150, examples=[36])


class UserOut(User):
    """A stored user."""

    id: int


async def connection(request: Request) -> AsyncIterator[Any]:
    """A connection borrowed from the app's pool for the time of the request."""
    async with request.app.state.pool.acquire() as conn:
        yield conn


Connection = Annotated[Any, Depends(connection)]
"""An ``asyncpg.Connection`` (typed ``Any``: asyncpg ships no type hints)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()
    table = settings.users_table  # checked by its pattern: safe to put in SQL

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            settings.database_url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
        )
        try:
            await pool.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ("
                " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                " name text NOT NULL, email text NOT NULL UNIQUE, age integer NOT NULL)"
            )
            app.state.pool = pool
            yield
        finally:
            await pool.close()

    app = FastAPI(title="Users on PostgreSQL", lifespan=lifespan)

    @app.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut, tags=["users"])
    async def create_user(user: User, conn: Connection) -> Any:
        """Store a user; 409 when the email is taken."""
        try:
            row = await conn.fetchrow(
                f"INSERT INTO {table} (name, email, age) VALUES ($1, $2, $3) RETURNING id, name, email, age",
                user.name,
                user.email,
                user.age,
            )
        except asyncpg.UniqueViolationError:
            raise HTTPException(status.HTTP_409_CONFLICT, f"A user with email {user.email!r} exists") from None
        return dict(row)

    @app.get("/users/{user_id}", response_model=UserOut, tags=["users"], responses={404: {"description": "No user"}})
    async def read_user(user_id: int, conn: Connection) -> Any:
        """Read a user by id."""
        row = await conn.fetchrow(f"SELECT id, name, email, age FROM {table} WHERE id = $1", user_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"User {user_id} not found")
        return dict(row)

    return app


app = create_app()

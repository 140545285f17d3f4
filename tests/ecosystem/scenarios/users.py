"""fastapi-users: SQLAlchemy user database on aiosqlite, JWT bearer auth; register, log in, read /users/me."""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

SECRET = "h11a-test-secret-that-is-long-enough-for-hs256"


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


engine = create_async_engine("sqlite+aiosqlite://")
sessions = async_sessionmaker(engine, expire_on_commit=False)


async def get_user_db() -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
    async with sessions() as session:
        yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


async def get_user_manager(
    user_db: SQLAlchemyUserDatabase[User, uuid.UUID] = Depends(get_user_db),
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db)


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(secret=SECRET, lifetime_seconds=3600)


backend: AuthenticationBackend[User, uuid.UUID] = AuthenticationBackend(
    name="jwt",
    transport=BearerTransport(tokenUrl="auth/jwt/login"),
    get_strategy=get_jwt_strategy,
)
users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield


app = FastAPI(lifespan=lifespan)
app.include_router(users.get_auth_router(backend), prefix="/auth/jwt")
app.include_router(users.get_register_router(UserRead, UserCreate), prefix="/auth")
app.include_router(users.get_users_router(UserRead, schemas.BaseUserUpdate), prefix="/users")

with TestClient(app) as client:
    registered = client.post("/auth/register", json={"email": "ada@example.com", "password": "s3cret-Passw0rd"})
    again = client.post("/auth/register", json={"email": "ada@example.com", "password": "s3cret-Passw0rd"})
    login = client.post("/auth/jwt/login", data={"username": "ada@example.com", "password": "s3cret-Passw0rd"})
    wrong = client.post("/auth/jwt/login", data={"username": "ada@example.com", "password": "nope"})
    token = login.json().get("access_token", "")
    me = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    anonymous = client.get("/users/me")
reg = registered.json()
print(
    json.dumps(
        {
            "register": [registered.status_code, reg.get("email"), reg.get("is_active"), "id" in reg],
            "again": [again.status_code, again.json()],
            "login": [login.status_code, login.json().get("token_type")],
            "wrong": [wrong.status_code, wrong.json()],
            "me": [me.status_code, me.json().get("email")],
            "anonymous": [anonymous.status_code, anonymous.json()],
        }
    )
)

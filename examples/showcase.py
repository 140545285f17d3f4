"""The showcase app: what ``make run`` serves on http://127.0.0.1:8000 (interactive docs at ``/docs``).

It is written exactly as a FastAPI app would be, importing from ``zephyr``:

- ``POST /users`` validates a user (name, email, age >= 18) and answers 201 with its id;
- ``GET /users/{user_id}`` answers the user or 404;
- ``POST /predict`` answers at once and logs the prediction in a durable job (``zephyr worker examples.showcase:app``
  runs it; it survives a crash or deploy of the web process, unlike a ``BackgroundTasks`` task);
- ``POST /token`` issues a JWT for a known user; ``GET /me`` is protected by a bearer-token dependency chain;
- ``GET /limited`` is rate limited (5 per minute per client) and ``GET /cached`` is cached for 30 seconds;
- ``/ws`` echoes WebSocket messages.
"""

from __future__ import annotations

import logging
import os
from typing import Annotated, Any

from pydantic import BaseModel, Field

from examples._logging import configure_logging
from zephyr import Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect, status
from zephyr.caching import cache
from zephyr.jobs import JobQueue, Jobs
from zephyr.middleware.cors import CORSMiddleware
from zephyr.ratelimit import limit
from zephyr.security import OAuth2PasswordRequestForm
from zephyr.security.jwt import JWTBearer, JWTCodec

logger = logging.getLogger("examples.showcase")
configure_logging()  # uvicorn configures only its own loggers: without this, /predict's log line goes nowhere

app = FastAPI(
    title="Zephyr showcase",
    version="1.0.0",
    description="FastAPI's API on Zephyr's own ASGI core: validation, dependencies, docs, rate limits, caching.",
)
# Jobs wait in Redis until a worker runs them; nothing connects before the first job is sent.
jobs_queue = JobQueue(
    os.environ.get("SHOWCASE_JOBS_URL", "redis://127.0.0.1:6379/0"),
    app=app,
    namespace=os.environ.get("SHOWCASE_JOBS_NAMESPACE", "showcase"),
)
app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:3000"], allow_methods=["*"], allow_headers=["*"])

codec = JWTCodec(os.environ.get("SHOWCASE_SECRET", "change-me-in-production-" + "0" * 16), issuer="showcase")
bearer = JWTBearer(codec)


class UserIn(BaseModel):
    """A user to create."""

    name: str = Field(min_length=1, max_length=100, examples=["Ada"])
    email: str = Field(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", examples=["ada@example.com"])
    age: int = Field(ge=18, le=150, examples=[36])


class UserOut(BaseModel):
    """A stored user."""

    id: int
    name: str
    email: str
    age: int


class Features(BaseModel):
    """Input of the model."""

    values: list[float] = Field(min_length=1, max_length=100, examples=[[1.0, 2.0, 3.0]])


class Prediction(BaseModel):
    """Output of the model."""

    score: float
    label: str


USERS: dict[int, UserOut] = {}
PASSWORDS = {"ada": "lovelace"}


@app.post("/users", status_code=status.HTTP_201_CREATED, tags=["users"])
async def create_user(user: UserIn) -> UserOut:
    """Create a user; the body is validated (422 with FastAPI's error body when it is not)."""
    stored = UserOut(id=len(USERS) + 1, **user.model_dump())
    USERS[stored.id] = stored
    return stored


@app.get("/users/{user_id}", tags=["users"], responses={404: {"description": "No such user"}})
async def read_user(user_id: int) -> UserOut:
    """Read a user by id."""
    if user_id not in USERS:
        raise HTTPException(status_code=404, detail=f"User {user_id} not found")
    return USERS[user_id]


@jobs_queue.job(retries=5, backoff=2.0, timeout=30)
def log_prediction(features: Features, prediction: Prediction) -> None:
    """Runs in a worker; the arguments arrive as the same models, validated again."""
    logger.info("predicted %s for %d values", prediction.label, len(features.values))


@app.post("/predict", tags=["model"])
async def predict(features: Features, jobs: Jobs) -> Prediction:
    """Score the features; the prediction is logged by a durable job (it is in Redis before this answers)."""
    score = sum(features.values) / len(features.values)
    prediction = Prediction(score=score, label="high" if score >= 0.5 else "low")
    jobs.enqueue(log_prediction, features, prediction)
    return prediction


@app.post("/token", tags=["auth"], responses={401: {"description": "Incorrect username or password"}})
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    """Trade a username and password (try ada / lovelace) for a bearer token."""
    if PASSWORDS.get(form.username) != form.password:
        raise HTTPException(status_code=401, detail="Incorrect username or password")
    return {"access_token": codec.encode(subject=form.username), "token_type": "bearer"}


async def current_username(claims: Annotated[dict[str, Any], Depends(bearer)]) -> str:
    """First level: the verified token's subject."""
    return str(claims["sub"])


async def current_user(username: Annotated[str, Depends(current_username)]) -> dict[str, str]:
    """Second level: the user behind the subject."""
    return {"username": username}


@app.get("/me", tags=["auth"], responses={401: {"description": "Missing or invalid bearer token"}})
async def me(user: Annotated[dict[str, str], Depends(current_user)]) -> dict[str, str]:
    """Who am I? Needs ``Authorization: Bearer <token>`` from ``POST /token``."""
    return user


@app.get("/limited", tags=["batteries"])
@limit("5/minute")
async def limited() -> dict[str, bool]:
    """Five requests per minute per client, then 429 with ``Retry-After``."""
    return {"ok": True}


@app.get("/cached", tags=["batteries"])
@cache(expire=30)
async def cached() -> dict[str, int]:
    """Computed once, then served from the cache for 30 seconds (``X-Cache: HIT``)."""
    return {"users": len(USERS)}


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    """Echo every text message back."""
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        return

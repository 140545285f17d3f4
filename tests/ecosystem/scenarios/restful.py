"""fastapi-utils: ``@cbv(router)`` class-based views sharing a dependency, ``repeat_every`` started in the lifespan;
fastapi-restful: ``Resource`` classes added with ``Api(app).add_resource``."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header
from fastapi.testclient import TestClient
from fastapi_restful import Api, Resource
from fastapi_utils.cbv import cbv
from fastapi_utils.tasks import repeat_every
from pydantic import BaseModel

ticks: list[int] = []


@repeat_every(seconds=0.01, max_repetitions=3)
async def tick() -> None:
    ticks.append(len(ticks))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await tick()
    yield


def current_user(x_user: str = Header(...)) -> str:
    return x_user


router = APIRouter(prefix="/notes", tags=["notes"])
NOTES: dict[int, str] = {1: "first"}


class Note(BaseModel):
    text: str


@cbv(router)
class NotesView:
    user: str = Depends(current_user)

    @router.get("/")
    def list_notes(self) -> dict[str, Any]:
        return {"user": self.user, "notes": NOTES}

    @router.post("/", status_code=201)
    def add_note(self, note: Note) -> dict[str, Any]:
        NOTES[len(NOTES) + 1] = note.text
        return {"user": self.user, "id": len(NOTES)}

    @router.get("/{note_id}")
    def get_note(self, note_id: int) -> dict[str, Any]:
        return {"user": self.user, "text": NOTES[note_id]}


class Pet(Resource):
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def get(self, name: str) -> dict[str, str]:
        return {"message": f"{self.greeting}, {name}"}


app = FastAPI(lifespan=lifespan)
app.include_router(router)
api = Api(app)
api.add_resource(Pet("hello"), "/pet")

with TestClient(app) as client:
    listed = client.get("/notes/", headers={"X-User": "ada"})
    added = client.post("/notes/", json={"text": "second"}, headers={"X-User": "ada"})
    one = client.get("/notes/2", headers={"X-User": "grace"})
    anonymous = client.get("/notes/")
    pet = client.get("/pet", params={"name": "rex"})
    schema = client.get("/openapi.json").json()
    for _ in range(200):
        if len(ticks) >= 3:
            break
        client.portal.call(asyncio.sleep, 0.01)
params = {
    path: sorted(p["name"] for op in item.values() for p in op.get("parameters", []))
    for path, item in schema["paths"].items()
}
print(
    json.dumps(
        {
            "listed": [listed.status_code, listed.json()],
            "added": [added.status_code, added.json()],
            "one": [one.status_code, one.json()],
            "anonymous": [anonymous.status_code, anonymous.json()["detail"][0]["loc"]],
            "pet": [pet.status_code, pet.json()],
            "params": params,
            "ticks": ticks,
        }
    )
)

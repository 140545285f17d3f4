"""A frontend build runs its router's dependencies before a page is served, as FastAPI 0.165 does: an app-level
``dependencies=[...]`` guarding everything guards the build too (on Zephyr it used to be skipped)."""

from __future__ import annotations

import pathlib

import pytest

from tests.compat.harness import assert_same, frontend_dist, get, post

pytestmark = pytest.mark.current_reference

FRONTEND_APP = """
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Header, HTTPException, Response

done = []

def token(x_token: str = Header("")):
    if x_token != "secret":
        raise HTTPException(status_code=401, detail="no token")

def stamp(response: Response, tasks: BackgroundTasks):
    response.headers["x-stamped"] = "yes"
    tasks.add_task(done.append, "page")

def page_size(size: int = 10):
    return size

app = FastAPI(dependencies=[Depends(token), Depends(stamp)])

@app.get("/api/ping")
def ping():
    return "pong"

app.frontend("/", directory=DIST)

router = APIRouter(dependencies=[Depends(page_size)])
router.frontend("/docs-site", directory=DIST)
app.include_router(router, prefix="/v1")
"""


def test_the_apps_dependencies_guard_and_decorate_its_frontend(tmp_path: pathlib.Path) -> None:
    source = f"DIST = {str(frontend_dist(tmp_path))!r}\n" + FRONTEND_APP
    good = {"x-token": "secret"}
    theirs, ours = assert_same(
        source,
        [
            get("/"),
            get("/", headers=good),
            get("/assets/app.js", headers=good),
            get("/some/page", headers={**good, "accept": "text/html"}),
            get("/assets/app.js"),
            post("/", headers=good),
            get("/v1/docs-site/", headers=good),
            get("/v1/docs-site/?size=oops", headers=good),
            get("/v1/docs-site/assets/app.js"),
        ],
    )
    assert ours.done == theirs.done and ours.done  # the dependency's background task ran after each page

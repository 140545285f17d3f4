"""FastAPI 0.165's low-priority routes (``router._low_priority_routes``), where ``frontend()`` puts its route group
(``router._frontend_routes``): tried only when no other route matched, on FastAPI and on Zephyr.

A library may add its own catch-all there; the order among them (the first that fits, except that a frontend gives
way to a frontend with a longer path) is the one FastAPI uses.
"""

from __future__ import annotations

import pathlib

import pytest

from tests.compat.harness import assert_same, build_pair, frontend_dist, get, post

pytestmark = pytest.mark.current_reference

LOW_PRIORITY_APP = """
from fastapi import APIRouter, FastAPI
from fastapi.responses import PlainTextResponse
from starlette.routing import Route

async def low(request):
    return PlainTextResponse("low " + request.url.path)

app = FastAPI()

@app.get("/api")
def api():
    return {"source": "api"}

app.router._low_priority_routes.append(Route("/admin", low))
app.router._low_priority_routes.append(Route("/api", low))
app.router._mark_routes_changed()
app.frontend("/", directory=DIST)

router = APIRouter()
router._low_priority_routes.append(Route("/low/{name}", low))
router._mark_routes_changed()
app.include_router(router, prefix="/prefix")
"""


def test_low_priority_routes_answer_after_the_routes_and_before_a_later_frontend(tmp_path: pathlib.Path) -> None:
    source = f"DIST = {str(frontend_dist(tmp_path))!r}\n" + LOW_PRIORITY_APP
    theirs, ours = assert_same(
        source,
        [
            get("/admin"),
            get("/api"),
            post("/api"),
            get("/prefix/low/x"),
            post("/prefix/low/x"),
            get("/assets/app.js"),
            get("/some/page", headers={"accept": "text/html"}),
        ],
    )
    for module in (theirs, ours):
        included = next(r for r in module.app.router.routes if hasattr(r, "effective_low_priority_routes"))
        assert included.effective_low_priority_routes() is included.effective_low_priority_routes()


ORDER_APP = """
from fastapi import APIRouter, FastAPI
from fastapi.responses import PlainTextResponse
from starlette.routing import Route

async def low(request):
    return PlainTextResponse("low " + request.url.path)

app = FastAPI()
app.frontend(SITE_PATH, directory=SITE)
app.router._low_priority_routes.append(Route("/{name}", low))
app.router._mark_routes_changed()
router = APIRouter()
router.frontend("/admin", directory=ADMIN, fallback="index.html")
app.include_router(router)
"""


@pytest.mark.parametrize("site_path", ["/", "/site"])
def test_a_frontend_gives_way_only_to_a_frontend_with_a_longer_path(tmp_path: pathlib.Path, site_path: str) -> None:
    site, admin = tmp_path / "site", tmp_path / "admin"
    site.mkdir()
    admin.mkdir()
    (site / "index.html").write_text("site")
    (admin / "index.html").write_text("admin")
    source = f"SITE = {str(site)!r}\nADMIN = {str(admin)!r}\nSITE_PATH = {site_path!r}\n" + ORDER_APP
    html = {"accept": "text/html"}
    assert_same(
        source,
        [
            get("/admin", headers=html),
            get("/admin", headers=html, follow_redirects=False),
            get("/admin/", headers=html),
            get("/admin/page", headers=html),
            get("/site/", headers=html),
            get("/other", headers=html),
            post("/admin/page", headers=html),
        ],
    )


GROUP_APP = """
from fastapi import FastAPI

app = FastAPI()
app.frontend("/app", directory=DIST)
app.frontend("/app/admin", directory=DIST)
"""


def test_the_frontend_route_group_answers_matches_as_fastapis(tmp_path: pathlib.Path) -> None:
    source = f"DIST = {str(frontend_dist(tmp_path))!r}\n" + GROUP_APP
    scopes = [
        {"type": "websocket", "path": "/app"},
        {"type": "http", "path": "/app", "method": "GET"},
        {"type": "http", "path": "/app/admin/x", "method": "GET"},
        {"type": "http", "path": "/app/x", "method": "POST"},
        {"type": "http", "path": "/application", "method": "GET"},
    ]
    answers = []
    for module in build_pair(source):
        group = module.app.router._frontend_routes
        static_files = group.routes[0].app
        assert {route.path for route in group.routes} == {"/app", "/app/admin"}
        assert callable(static_files.lookup_path)
        assert group in module.app.router._low_priority_routes
        answers.append(
            [
                *[(int(fit.value), child) for fit, child in map(group.matches, scopes)],
                *[(int(fit.value), child) for fit, child in (group.matches_with_prefix(s, "/p") for s in scopes)],
                *[(int(fit.value), child) for fit, child in map(group.routes[0].matches, scopes)],
            ]
        )
    assert answers[1] == answers[0]

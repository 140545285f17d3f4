"""A route class's own ``matches``: what it adds to the child scope reaches the endpoint, and what it refuses is not
served, for a route of the app itself and for an included one, as on FastAPI."""

from __future__ import annotations

import pytest

from tests.compat.harness import assert_same, get, post

OWN_MATCHES_APP = """
from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.routing import Match

class Tagged(APIRoute):
    def matches(self, scope):
        match, child_scope = super().matches(scope)
        if scope.get("query_string") == b"refuse=1":
            return Match.NONE, {}
        child_scope["fastapi"] = {"custom": self.path}
        child_scope["tenant"] = "acme"
        return match, child_scope

async def endpoint(request: Request):
    return {"custom": request.scope["fastapi"]["custom"], "tenant": request.scope["tenant"]}

app = FastAPI(routes=[Tagged("/direct", endpoint, methods=["POST"])])
router = APIRouter(routes=[Tagged("/included", endpoint, methods=["POST"])])
app.include_router(router, prefix="/r")
"""


def test_a_direct_routes_own_matches_adds_to_the_scope_and_refuses() -> None:
    assert_same(OWN_MATCHES_APP, [post("/direct"), post("/direct?refuse=1"), get("/direct")], openapi=False)


@pytest.mark.current_reference  # how an included route's own matches is asked is FastAPI 0.165's route contexts
def test_an_included_routes_own_matches_adds_to_the_scope_and_refuses() -> None:
    assert_same(OWN_MATCHES_APP, [post("/r/included"), post("/r/included?refuse=1")], openapi=False)

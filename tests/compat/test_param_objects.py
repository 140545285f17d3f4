"""Parameter objects as FastAPI shows them (``repr``), and ``Depends(max_concurrency=...)`` limiting as FastAPI does."""

from __future__ import annotations

import anyio
import fastapi
import httpx
import pytest

import zephyr
from tests.compat.harness import assert_same, build_pair, get


def _dependency() -> None:
    return None


# FastAPI added Depends(max_concurrency=...) after 0.162.5, its last release for Python 3.10.
needs_max_concurrency = pytest.mark.skipif(
    "max_concurrency" not in getattr(fastapi.params.Depends, "__dataclass_fields__", {}),
    reason=f"FastAPI {fastapi.__version__} (the newest for this Python) has no Depends(max_concurrency=...)",
)


def _markers(module: object) -> list[object]:
    m = module
    return [
        m.Query(),  # type: ignore[attr-defined]
        m.Query(3),  # type: ignore[attr-defined]
        m.Query(None, alias="q"),  # type: ignore[attr-defined]
        m.Path(),  # type: ignore[attr-defined]
        m.Header("x"),  # type: ignore[attr-defined]
        m.Cookie(None),  # type: ignore[attr-defined]
        m.Body(embed=True),  # type: ignore[attr-defined]
        m.Form(None),  # type: ignore[attr-defined]
        m.File(),  # type: ignore[attr-defined]
    ]


def _dependencies(module: object) -> list[object]:
    m = module
    return [
        m.Depends(),  # type: ignore[attr-defined]
        m.Depends(_dependency),  # type: ignore[attr-defined]
        m.Depends(_dependency, use_cache=False, scope="function"),  # type: ignore[attr-defined]
        m.Depends(_dependency, max_concurrency=2),  # type: ignore[attr-defined]
        m.Security(_dependency, scopes=["a"]),  # type: ignore[attr-defined]
    ]


def test_parameter_objects_repr_as_on_fastapi() -> None:
    assert [repr(o) for o in _markers(zephyr)] == [repr(o) for o in _markers(fastapi)]


@needs_max_concurrency
def test_dependency_objects_repr_as_on_fastapi() -> None:
    assert [repr(o) for o in _dependencies(zephyr)] == [repr(o) for o in _dependencies(fastapi)]


@needs_max_concurrency
def test_depends_declarations_with_a_limit_are_distinct_as_on_fastapi() -> None:
    for m in (fastapi, zephyr):
        assert m.Depends(_dependency) == m.Depends(_dependency)
        assert m.Depends(_dependency, max_concurrency=1) != m.Depends(_dependency, max_concurrency=1)


@needs_max_concurrency
@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_invalid_max_concurrency_is_refused_as_on_fastapi(value: object) -> None:
    with pytest.raises(ValueError, match="max_concurrency must be a positive integer or None") as theirs:
        fastapi.Depends(_dependency, max_concurrency=value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_concurrency must be a positive integer or None") as ours:
        zephyr.Depends(_dependency, max_concurrency=value)  # type: ignore[arg-type]
    assert str(ours.value).startswith(str(theirs.value))


LIMITED_APP = """
from typing import Annotated
import anyio
from fastapi import Depends, FastAPI

app = FastAPI()
active = {"now": 0, "peak": 0, "calls": 0}

async def enter():
    active["now"] += 1
    active["calls"] += 1
    active["peak"] = max(active["peak"], active["now"])
    await anyio.sleep(0.01)

async def limited_async():
    await enter()
    active["now"] -= 1
    return "async"

def limited_sync():
    anyio.from_thread.run(enter)
    active["now"] -= 1
    return "sync"

async def limited_gen():
    await enter()
    try:
        yield "gen"
    finally:
        await anyio.sleep(0.01)
        active["now"] -= 1

Shared = Annotated[str, Depends(limited_async, max_concurrency=2)]

@app.get("/async")
async def read_async(a: Shared, b: Shared):
    return [a, b]

@app.get("/sync")
def read_sync(v: Annotated[str, Depends(limited_sync, max_concurrency=1)]):
    return v

@app.get("/gen")
async def read_gen(v: Annotated[str, Depends(limited_gen, max_concurrency=1)]):
    return v
"""


async def _drive(app: object, path: str, count: int) -> list[object]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    answers: list[object] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def one() -> None:
            answers.append((await client.get(path)).json())

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for _ in range(count):
                    group.start_soon(one)
    return answers


@needs_max_concurrency
@pytest.mark.parametrize(("path", "peak"), [("/async", 2), ("/sync", 1), ("/gen", 1)])
def test_max_concurrency_limits_calls_as_on_fastapi(path: str, peak: int) -> None:
    found = []
    for module in build_pair(LIMITED_APP):
        answers = anyio.run(_drive, module.app, path, 6)
        found.append((answers, dict(module.active)))
    assert found[1] == found[0]
    assert found[1][1] == {"now": 0, "peak": peak, "calls": 6}


OPTIONAL_PARAM_MODELS_APP = """
from typing import Annotated
from fastapi import Cookie, FastAPI, Header, Query
from pydantic import BaseModel, ConfigDict

app = FastAPI()

class Filters(BaseModel):
    start: int
    end: int
    label: str = "default"

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = 1

class Trace(BaseModel):
    x_trace: str

class Prefs(BaseModel):
    theme: str = "light"

@app.get("/filters")
def filters(filters: Annotated[Filters | None, Query()] = None):
    return {"filters": filters}

@app.get("/strict")
def strict(strict: Annotated[Strict | None, Query()] = None):
    return {"strict": strict}

@app.get("/required-model")
def required_model(prefs: Annotated[Prefs, Query()]):
    return {"prefs": prefs}

@app.get("/headers")
def headers(trace: Annotated[Trace | None, Header()] = None, prefs: Annotated[Prefs | None, Cookie()] = None):
    return {"trace": trace, "prefs": prefs}
"""


def test_optional_parameter_models_take_their_default_unless_sent() -> None:
    """``Model | None`` query/header/cookie models are ``None`` when none of their fields is sent, as in FastAPI."""
    calls = [
        get("/filters"),
        get("/filters?other=1"),
        get("/filters?start=1&end=2"),
        get("/filters?label=x"),
        get("/filters?start=&end=2"),
        get("/strict"),
        get("/strict?unknown=1"),
        get("/strict?page=3"),
        get("/required-model"),
        get("/headers"),
        get("/headers", headers={"x-trace": "abc"}),
        get("/headers", headers={"cookie": "theme=dark"}),
        get("/headers", headers={"cookie": "other=1"}),
    ]
    assert_same(OPTIONAL_PARAM_MODELS_APP, calls)

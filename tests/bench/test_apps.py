"""Every benchmark app answers every scenario correctly, in-process (the runner checks the same over HTTP)."""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from benchmarks.scenarios import SCENARIOS, Scenario

APPS = Path(__file__).resolve().parents[2] / "benchmarks" / "apps"


def _import_app(name: str) -> Any:
    if name == "zephyr":
        zephyr = pytest.importorskip("zephyr")
        if not hasattr(zephyr, "FastAPI"):
            pytest.skip("zephyr does not export FastAPI yet (the core is not merged)")
    return importlib.import_module(f"benchmarks.apps.{name}_app").app


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["zephyr", "fastapi", "litestar", "raw", "ceiling"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_asgi_app_answers_scenario(name: str, scenario: Scenario) -> None:
    app = _import_app(name)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.request(
            scenario.method, scenario.path, content=scenario.body, headers=scenario.request_headers()
        )
    assert scenario.verify(response.status_code, response.content) is None


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_flask_app_answers_scenario(scenario: Scenario) -> None:
    app = _import_app("flask")
    response = app.test_client().open(
        scenario.path, method=scenario.method, data=scenario.body, headers=scenario.request_headers()
    )
    assert scenario.verify(response.status_code, response.data) is None


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["zephyr", "fastapi", "litestar", "raw", "ceiling"])
async def test_asgi_app_rejects_a_missing_token_with_401(name: str) -> None:
    app = _import_app(name)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/me")).status_code == 401
        assert (await client.get("/me", headers={"Authorization": "Bearer wrong"})).status_code == 401


def test_zephyr_app_is_the_fastapi_app_with_zephyr_imports() -> None:
    def code(name: str) -> list[str]:
        text = (APPS / f"{name}_app.py").read_text()
        body = text.split('"""', 2)[2]  # drop the module docstring, which says which framework it is
        return sorted(line.replace("from zephyr import", "from fastapi import") for line in body.splitlines())

    assert code("zephyr") == code("fastapi")
    fastapi_lines = (APPS / "fastapi_app.py").read_text().split('"""', 2)[2].splitlines()
    zephyr_lines = (APPS / "zephyr_app.py").read_text().split('"""', 2)[2].splitlines()
    assert [line for line in fastapi_lines if "import" not in line] == [
        line for line in zephyr_lines if "import" not in line
    ]


_EXTRA_REQUESTS = [
    ("GET", "/me", None, {}),
    ("GET", "/me", None, {"Authorization": "Bearer wrong"}),
    ("GET", "/me", None, {"Authorization": "Basic abc"}),
    ("GET", "/users/abc?limit=x", None, {}),
    ("GET", "/r0/x", None, {}),
    ("GET", "/nope", None, {}),
    ("DELETE", "/hello", None, {}),
    ("POST", "/users", b"{bad", {"Content-Type": "application/json"}),
    ("POST", "/users", b'{"name": 1}', {"Content-Type": "application/json"}),
]
_REQUESTS = [(s.method, s.path, s.body, s.request_headers()) for s in SCENARIOS] + _EXTRA_REQUESTS


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path", "body", "headers"), _REQUESTS, ids=[f"{r[0]} {r[1]}" for r in _REQUESTS])
async def test_zephyr_app_answers_exactly_as_fastapi(
    method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> None:
    answers = []
    for name in ("zephyr", "fastapi"):
        transport = httpx.ASGITransport(app=_import_app(name))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.request(method, path, content=body, headers=headers)
        payload = response.json()
        if isinstance(payload, dict) and response.status_code == 201:
            payload.pop("id")  # each app numbers its own users
            headers_seen = {k: v for k, v in response.headers.items() if k != "content-length"}
        else:
            headers_seen = dict(response.headers)
        answers.append((response.status_code, headers_seen, payload))
    assert answers[0] == answers[1]


class _RSGIHeaders(dict[str, str]):
    pass


class _RSGIScope:
    def __init__(self, method: str, path: str, query_string: str, headers: dict[str, str] | None = None) -> None:
        self.method, self.path, self.query_string = method, path, query_string
        self.proto, self.http_version, self.scheme = "http", "1.1", "http"
        self.client, self.server = "127.0.0.1:50000", "127.0.0.1:8000"
        self.headers = _RSGIHeaders(headers or {})


class _RSGIProtocol:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.read = False
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __call__(self) -> bytes:
        self.read = True
        return self.body

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)

    async def client_disconnect(self) -> None:
        pass


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", SCENARIOS[:4], ids=[s.id for s in SCENARIOS[:4]])
async def test_rsgi_ceiling_answers_s1_to_s4(scenario: Scenario) -> None:
    from benchmarks.apps.ceiling_app import rsgi_app

    path, _, query = scenario.path.partition("?")
    protocol = _RSGIProtocol(scenario.body or b"")
    await rsgi_app.__rsgi__(_RSGIScope(scenario.method, path, query), protocol)
    assert protocol.answer is not None
    status, headers, body = protocol.answer
    assert scenario.verify(status, body) is None
    assert headers == [("content-type", "application/json"), ("content-length", str(len(body)))]
    assert protocol.read == (scenario.method == "POST")


@pytest.mark.anyio
async def test_rsgi_ceiling_answers_404_outside_s1_to_s4() -> None:
    from benchmarks.apps.ceiling_app import rsgi_app

    protocol = _RSGIProtocol(b"")
    await rsgi_app.__rsgi__(_RSGIScope("GET", "/nope", ""), protocol)
    assert protocol.answer == (404, [("content-type", "application/json")], b'{"detail":"Not Found"}')


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_zephyr_answers_scenario_over_its_native_rsgi(scenario: Scenario) -> None:
    app = _import_app("zephyr")

    path, _, query = scenario.path.partition("?")
    headers = {name.lower(): value for name, value in scenario.request_headers().items()}
    if scenario.body is not None:
        headers["content-length"] = str(len(scenario.body))
    protocol = _RSGIProtocol(scenario.body or b"")
    await app.__rsgi__(_RSGIScope(scenario.method, path, query, headers), protocol)
    assert protocol.answer is not None
    status, _, body = protocol.answer
    assert scenario.verify(status, body) is None


@pytest.mark.anyio
@pytest.mark.parametrize("more_body", [False, True])
async def test_asgi_ceiling_answers_s3_from_one_message(more_body: bool) -> None:
    # Granian's ASGI marks the whole body more_body=True: the ceiling must still answer S3 from its prepared bytes,
    # after one receive, not through raw_app.
    from benchmarks.apps.ceiling_app import app

    s3 = next(s for s in SCENARIOS if s.id == "S3")
    received: list[MutableMapping[str, Any]] = []
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        message = {"type": "http.request", "body": s3.body, "more_body": more_body and not received}
        received.append(message)
        return message

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(s3.body or b"")).encode())]
    scope = {"type": "http", "method": "POST", "path": "/users", "query_string": b"", "headers": headers}
    await app(scope, receive, send)
    assert len(received) == 1
    assert sent[0]["status"] == 201
    assert s3.verify(sent[0]["status"], sent[1]["body"]) is None

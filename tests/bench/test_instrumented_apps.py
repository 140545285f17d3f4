"""The opt-in benchmark contenders build and answer, each group in a process of its own (they change globals)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_CHECK = """
import importlib, json
from {client} import TestClient
answers = {{}}
for name in {modules!r}:
    app = importlib.import_module("benchmarks.apps." + name).app
    with TestClient(app) as client:
        response = client.get("/hello")
        answers[name] = [response.status_code, response.json()]
print(json.dumps(answers))
"""


@pytest.mark.parametrize(
    ("client", "modules"),
    [
        ("zephyr.testclient", ["zephyr_switch_app", "zephyr_otel_app", "zephyr_telemetry_app"]),
        ("fastapi.testclient", ["fastapi_otel_app", "fastapi_telemetry_app"]),
    ],
)
def test_instrumented_contenders_answer(client: str, modules: list[str]) -> None:
    code = _CHECK.format(client=client, modules=modules)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers == {name: [200, {"message": "hello"}] for name in modules}

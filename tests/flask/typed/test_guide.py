"""The typed face's example in ``docs/flask.md`` runs and does what the guide says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from zephyr.testclient import TestClient

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "flask.md"


def test_the_guide_example_runs() -> None:
    typed = GUIDE.read_text(encoding="utf-8").split("### A complete example", 1)[1]
    block = re.findall(r"```python\n(.*?)```", typed, re.S)[0]
    namespace: dict[str, Any] = {"__name__": "guide"}
    exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own guide
    client = TestClient(namespace["app"])
    index = client.get("/")
    assert (index.text, index.headers["x-served-by"]) == ('<a href="/users/1">Ada</a>', "zephyr")
    assert client.get("/users/1").json() == {"id": 1, "name": "Ada"}
    assert client.get("/users/2").json() == {"error": "not found", "detail": "No user 2"}
    assert client.delete("/users/1").status_code == 204
    assert client.post("/users/", json={"name": "Bo", "email": "b@x"}).status_code == 400
    created = client.post("/users/", json={"name": "Bo", "email": "b@x"}, headers={"X-Client": "t"})
    assert (created.status_code, created.headers["location"]) == (201, "/users/2")
    assert client.get("/legacy/hello/ann").json() == {"hello": "ann"}

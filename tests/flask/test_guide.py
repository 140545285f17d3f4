"""The first example of ``docs/flask.md`` (a Flask app with its imports switched) runs as the guide says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import DictLoader

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "flask.md"


def test_the_switched_imports_example_runs() -> None:
    block = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)[0]
    assert block.startswith("from zephyr.flask import")
    namespace: dict[str, Any] = {"__name__": "guide"}
    exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own guide
    app = namespace["app"]
    app.jinja_loader = DictLoader(
        {
            "login.html": "<form method=post>",
            "index.html": "{% for m in get_flashed_messages() %}{{ m }}|{% endfor %}user={{ user }}",
        }
    )
    client = app.test_client()
    assert client.get("/").text == "user=None"
    login = client.post("/login", data={"username": "ada"})
    assert (login.status_code, login.headers["Location"]) == (302, "/")
    assert client.get("/").text == "Welcome, ada|user=ada"
    assert client.get("/api/data").get_json() == {"user": "ada"}
    assert client.get("/login").text == "<form method=post>"

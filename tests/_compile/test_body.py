"""Reading a request body for validation (zephyr._compile.body)."""

from __future__ import annotations

from unittest.mock import patch

from pydantic import BaseModel

from zephyr import FastAPI
from zephyr.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


def test_any_failure_of_the_json_parser_is_a_400_as_in_fastapi() -> None:
    # FastAPI answers 400 for whatever the parser raises, not only for bytes that are not UTF-8 or nest too deep.
    app = FastAPI()

    @app.post("/items/")
    async def create(item: Item) -> Item:
        return item

    client = TestClient(app)
    with patch("zephyr._compile.body.json.loads", side_effect=Exception):
        response = client.post("/items/", json={"test": "test2"})  # fails the fast path, so the JSON is parsed
    assert (response.status_code, response.json()) == (400, {"detail": "There was an error parsing the body"})

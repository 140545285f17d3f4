"""logfire: ``logfire.configure(send_to_logfire=False)`` with an in-memory exporter and
``logfire.instrument_fastapi(app)``: the request span with the validated arguments, and the validation errors of a
422 (logfire replaces ``fastapi.routing``'s ``solve_dependencies`` and ``run_endpoint_function``)."""

import json
from typing import Any

import logfire
from fastapi import FastAPI
from fastapi.testclient import TestClient
from logfire.testing import TestExporter
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

exporter = TestExporter()
logfire.configure(
    send_to_logfire=False, console=False, additional_span_processors=[SimpleSpanProcessor(exporter)], metrics=False
)
app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    logfire.info("reading {item_id}", item_id=item_id)
    return {"item_id": item_id, "q": q}


@app.post("/sum")
def add(numbers: list[int]) -> int:
    return sum(numbers)


logfire.instrument_fastapi(app, capture_headers=False)

with TestClient(app) as client:
    answers = [
        client.get("/items/3", params={"q": "x"}).status_code,
        client.post("/sum", json=[1, 2, 3]).json(),
        client.get("/items/nope").status_code,
    ]

KEEP = ("http.route", "http.method", "http.request.method", "http.response.status_code", "http.status_code")
spans = []
for span in exporter.exported_spans_as_dict():
    attributes = span["attributes"]
    values = attributes.get("fastapi.arguments.values")
    errors = attributes.get("fastapi.arguments.errors")
    spans.append(
        [
            span["name"],
            {k: attributes[k] for k in KEEP if k in attributes},
            # On a 422, FastAPI also lists the arguments that were valid; Zephyr's solve_dependencies lists none.
            None if errors and errors != "[]" else json.loads(values) if isinstance(values, str) else values,
            [e["type"] for e in json.loads(errors)] if isinstance(errors, str) else errors,
            attributes.get("item_id"),
        ]
    )
print(json.dumps({"answers": answers, "spans": spans}))

"""Sentry, OpenTelemetry and prometheus-fastapi-instrumentator, each with its documented set-up on one app."""

import json
from typing import Any

import sentry_sdk
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from sentry_sdk.transport import Transport

events: list[dict[str, Any]] = []
segments: list[str] = []


class MemoryTransport(Transport):
    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            if item.type in ("event", "transaction"):  # sentry-sdk 2 sends a transaction event per request
                events.append(item.payload.json)
            elif item.type == "span":  # sentry-sdk 3 streams spans; the request's is its segment
                segments.extend(span["name"] for span in item.payload.json["items"] if span.get("is_segment"))


sentry_sdk.init(dsn="http://key@127.0.0.1:9/1", transport=MemoryTransport, traces_sample_rate=1.0)

from fastapi import FastAPI, HTTPException  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@app.get("/boom/{n}")
def boom(n: int) -> dict[str, int]:
    raise ValueError(f"boom {n}")


@app.get("/status/{code}")
def fail_with(code: int) -> None:
    # A handled HTTP error: Sentry captures it when the code is in failed_request_status_codes (500-599 by default).
    raise HTTPException(status_code=code, detail=f"failed with {code}")


exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
registry = CollectorRegistry()
Instrumentator(registry=registry).instrument(app).expose(app)

with TestClient(app, raise_server_exceptions=False) as client:
    first = client.get("/items/7")
    second = client.get("/items/8")
    failed = client.get("/boom/3")
    handled = [client.get(f"/status/{code}").status_code for code in (503, 404, 599, 418)]
    metrics = client.get("/metrics")

sentry_sdk.flush()
errors = [e for e in events if e.get("exception")]
servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
lines = [
    line
    for line in metrics.text.splitlines()
    if line.startswith("http_requests_total{") and 'handler="/items/{item_id}"' in line
]
print(
    json.dumps(
        {
            "responses": [first.status_code, first.json(), second.json(), failed.status_code, handled],
            "sentry_errors": [
                (e["transaction"], e["exception"]["values"][-1]["type"], e["exception"]["values"][-1]["value"])
                for e in errors
            ],
            "sentry_transactions": sorted(
                [e["transaction"] for e in events if e.get("type") == "transaction"] + segments
            ),
            "spans": sorted(
                (
                    s.name,
                    (s.attributes or {}).get("http.route"),
                    (s.attributes or {}).get("http.response.status_code", (s.attributes or {}).get("http.status_code")),
                )
                for s in servers
            ),
            "metrics_status": metrics.status_code,
            "metric_lines": sorted(lines),
            "phase_attributes": sorted({k for s in servers for k in (s.attributes or {}) if k.startswith("zephyr.")}),
        }
    )
)

"""Libraries walking ``app.routes`` through included routers: OpenTelemetry, Prometheus and fastapi-pagination.

FastAPI 0.165 keeps each ``include_router`` as one ``_IncludedRouter`` entry of ``app.routes``; the libraries reach
the routes behind it (``effective_route_contexts()``, ``original_router.routes``) to name requests and add parameters.
"""

import json
import warnings

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from fastapi_pagination import Page, add_pagination, paginate
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

app = FastAPI()
inner = APIRouter(prefix="/items")
outer = APIRouter(prefix="/v1")


@inner.get("/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@inner.get("/")
def list_items() -> Page[int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fastapi-pagination suggests its sqlmodel extension when sqlmodel is installed
        page: Page[int] = paginate(list(range(10)))
        return page


outer.include_router(inner)
app.include_router(outer, prefix="/api")


@inner.get("/late/{n}")  # added after the inclusion: served too
async def late(n: int) -> dict[str, int]:
    return {"late": n}


add_pagination(app)
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
registry = CollectorRegistry()
Instrumentator(registry=registry).instrument(app).expose(app)

with TestClient(app) as client:
    answers = [
        client.get("/api/v1/items/7").json(),
        client.get("/api/v1/items/late/3").json(),
        client.get("/api/v1/items/?page=2&size=3").json(),
    ]
    metrics = client.get("/metrics")
    document = client.get("/openapi.json").json()

servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
print(
    json.dumps(
        {
            "answers": answers,
            "routes": [
                type(route).__name__ for route in app.routes if type(route).__name__ in ("APIRoute", "_IncludedRouter")
            ],
            "spans": sorted((s.name, (s.attributes or {}).get("http.route")) for s in servers),
            "metric_lines": sorted(
                line
                for line in metrics.text.splitlines()
                if line.startswith("http_requests_total{") and "/api/" in line
            ),
            "paths": {path: sorted(ops) for path, ops in document["paths"].items()},
            "page_parameters": [p["name"] for p in document["paths"]["/api/v1/items/"]["get"].get("parameters", [])],
        }
    )
)

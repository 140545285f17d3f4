"""ddtrace: ``patch(fastapi=True)`` before the app is made; the finished traces are captured by a trace filter that
keeps them from being sent (no agent, no network).

Under the switch ``fastapi`` must be imported before ``patch(fastapi=True)``: ddtrace's import hook waits for a module
whose ``__name__`` is ``"fastapi"`` (written when the switched module's was ``"zephyr"``; kept first all the same).
"""

import json
import os
from typing import Any

for name, value in {
    "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
    "DD_REMOTE_CONFIGURATION_ENABLED": "false",
    "DD_TRACE_STARTUP_LOGS": "false",
    "DD_TRACE_AGENT_URL": "http://127.0.0.1:9",
}.items():
    os.environ.setdefault(name, value)

import fastapi  # noqa: E402, F401 - imported first: under the switch ddtrace's import hook for "fastapi" never fires
from ddtrace import patch  # noqa: E402
from ddtrace.trace import TraceFilter, tracer  # noqa: E402

patch(fastapi=True)

from fastapi import BackgroundTasks, FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

traces: list[list[Any]] = []


class Capture(TraceFilter):
    def process_trace(self, trace: Any) -> None:
        traces.append(
            sorted(
                [s.name, s.resource, s.get_tag("http.route"), s.get_tag("http.status_code"), s.error]
                for s in trace
                if s.name.endswith((".request", ".background_task"))
            )
        )
        # returning None drops the trace: nothing is sent


tracer.configure(trace_processors=[Capture()])
app = FastAPI()
done: list[int] = []


@app.get("/items/{item_id}")
async def read_item(item_id: int, tasks: BackgroundTasks) -> dict[str, int]:
    tasks.add_task(done.append, item_id)
    return {"item_id": item_id}


@app.get("/boom")
def boom() -> None:
    raise RuntimeError("boom")


with TestClient(app, raise_server_exceptions=False) as client:
    answers = [client.get("/items/5").status_code, client.get("/boom").status_code, client.get("/nope").status_code]
tracer.flush()  # type: ignore[no-untyped-call]
print(json.dumps({"answers": answers, "done": done, "traces": sorted(traces)}))

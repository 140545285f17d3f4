"""Contract test: schemathesis generates requests from the showcase app's own OpenAPI document (a bounded number of
examples per operation) and checks that no answer is a 500 and every answer conforms to the document.

Two of its checks judge FastAPI's documented validation semantics rather than the app, so they are left out where
those semantics apply: Pydantic's lax mode accepts ``false`` for a float (``negative_data_rejection``), and FastAPI
treats an empty form field as missing (``positive_data_acceptance`` on the OAuth2 password form). And a body that
is not UTF-8 at all is answered 400 "There was an error parsing the body", as FastAPI answers it, without being in
the document (and so is a broken multipart body); every other status must be documented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from schemathesis import Case, Response

schemathesis = pytest.importorskip("schemathesis")

from examples.showcase import app  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402 - after the importorskip above
from schemathesis.specs.openapi.checks import (  # noqa: E402
    negative_data_rejection,
    positive_data_acceptance,
    status_code_conformance,
)

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(autouse=True, scope="module")
def _jobs_in_memory() -> Any:
    """``POST /predict`` enqueues a durable job: keep those in memory, not in the shared Redis, for this test."""
    from examples import showcase
    from zephyr.jobs import JobQueue

    queue = JobQueue("stub://", app=app)
    queue.job(name="examples.showcase.log_prediction")(showcase.log_prediction)
    yield
    showcase.jobs_queue.init_app(app)


def documented_status(ctx: object, response: Response, case: Case[Any]) -> bool | None:
    """Every status must be documented, except FastAPI's 400 for a body that cannot even be parsed."""
    if case.method.upper() != case.operation.method.upper():
        assert response.status_code == 405, f"{case.method} on {case.path} answered {response.status_code}, not 405"
        return None
    if response.status_code == 400 and isinstance(response.json().get("detail"), str):
        return None  # a body that cannot be parsed at all (bad UTF-8, broken multipart): 400, as FastAPI answers
    documented = set(case.operation.definition.raw.get("responses", {}))
    assert str(response.status_code) in documented, f"status {response.status_code} not in {sorted(documented)}"
    return None


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_showcase_conforms_to_its_own_document(case: Case[Any]) -> None:
    excluded = [negative_data_rejection, status_code_conformance]
    if case.path == "/token":
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded, additional_checks=[documented_status])

"""The benchmark scenarios: the request each one sends and how its answer is checked before it is loaded.

Every app in ``benchmarks.apps`` implements all of them. A check returns ``None`` when the answer is right, or a
sentence saying what is wrong, so a broken app is reported instead of being measured.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.apps._data import EXTRA_ROUTES, ITEMS, TOKEN, USERS_BY_TOKEN

__all__ = ("SCENARIOS", "Scenario", "select_scenarios")

Check = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Scenario:
    """One request shape the load generator repeats."""

    id: str
    """Short name used on the command line and in the reports (``S1``, ``S7a``...)."""
    title: str
    """What the scenario exercises, for the report."""
    method: str
    """HTTP method."""
    path: str
    """Path and query string."""
    status: int
    """The status code every answer must have."""
    check: Check
    """Validates the decoded JSON body; returns a description of the problem or ``None``."""
    body: bytes | None = None
    """Request body (sent with ``Content-Type: application/json``)."""
    headers: tuple[tuple[str, str], ...] = field(default=())
    """Extra request headers."""

    def request_headers(self) -> dict[str, str]:
        """Return the headers to send, including the JSON content type when there is a body."""
        headers = dict(self.headers)
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def verify(self, status: int, raw_body: bytes) -> str | None:
        """Check one answer to this scenario.

        Args:
            status: The response status code.
            raw_body: The undecoded response body.

        Returns:
            ``None`` when the answer is right, otherwise what is wrong with it.
        """
        if status != self.status:
            return f"{self.id}: expected status {self.status}, got {status} with body {raw_body[:200]!r}"
        try:
            payload = json.loads(raw_body)
        except ValueError:
            return f"{self.id}: the body is not JSON: {raw_body[:200]!r}"
        problem = self.check(payload)
        return None if problem is None else f"{self.id}: {problem}; body {raw_body[:200]!r}"


def _equals(expected: Any) -> Check:
    def check(payload: Any) -> str | None:
        return None if payload == expected else f"expected {expected!r}"

    return check


_NEW_USER = {"name": "Ada Lovelace", "email": "ada@example.com", "age": 36}


def _check_created(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        return "expected an object with an integer 'id'"
    rest = {key: value for key, value in payload.items() if key != "id"}
    return None if rest == _NEW_USER else f"expected the posted fields {_NEW_USER!r} besides 'id'"


def _check_items(payload: Any) -> str | None:
    if not isinstance(payload, list) or len(payload) != len(ITEMS):
        return f"expected a list of {len(ITEMS)} items"
    return None if payload == ITEMS else "the items differ from benchmarks.apps._data.ITEMS"


def _check_error(payload: Any) -> str | None:
    return None if isinstance(payload, dict) and payload else "expected a non-empty JSON object describing the error"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("S1", "GET /hello", "GET", "/hello", 200, _equals({"message": "hello"})),
    Scenario(
        "S2",
        "path + query params",
        "GET",
        "/users/42?limit=10&q=abc",
        200,
        _equals({"user_id": 42, "limit": 10, "q": "abc"}),
    ),
    Scenario("S3", "POST valid body", "POST", "/users", 201, _check_created, body=json.dumps(_NEW_USER).encode()),
    Scenario("S4", "100 items via response model", "GET", "/items", 200, _check_items),
    Scenario(
        "S5",
        "bearer token -> user dependency chain",
        "GET",
        "/me",
        200,
        _equals(USERS_BY_TOKEN[TOKEN]),
        headers=(("Authorization", f"Bearer {TOKEN}"),),
    ),
    Scenario(
        "S6",
        "POST invalid body -> 422",
        "POST",
        "/users",
        422,
        _check_error,
        body=json.dumps({**_NEW_USER, "age": 10}).encode(),
    ),
    Scenario(
        "S7",
        f"last of {EXTRA_ROUTES} param routes",
        "GET",
        f"/r{EXTRA_ROUTES - 1}/7",
        200,
        _equals({"route": EXTRA_ROUTES - 1, "x": 7}),
    ),
    Scenario(
        "S7a",
        f"first of {EXTRA_ROUTES} param routes",
        "GET",
        "/r0/7",
        200,
        _equals({"route": 0, "x": 7}),
    ),
)
"""All scenarios, in report order."""


def select_scenarios(names: list[str] | None) -> list[Scenario]:
    """Return the scenarios named (case-insensitive), in report order; all of them for ``None``.

    Args:
        names: Scenario ids such as ``["S1", "s7a"]``, or ``None``.

    Returns:
        The matching scenarios.

    Raises:
        ValueError: When a name is not a scenario id.
    """
    if not names:
        return list(SCENARIOS)
    by_id = {scenario.id.lower(): scenario for scenario in SCENARIOS}
    unknown = [name for name in names if name.lower() not in by_id]
    if unknown:
        raise ValueError(f"Unknown scenario(s) {unknown}: choose from {[s.id for s in SCENARIOS]}")
    wanted = {name.lower() for name in names}
    return [scenario for scenario in SCENARIOS if scenario.id.lower() in wanted]

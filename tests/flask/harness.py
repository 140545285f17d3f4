"""Differential harness for the Flask face: one app source built on Flask and on ``zephyr.flask``, compared.

An app is a function ``build(flask)`` that makes the app from the module it is given. `assert_same` builds it
twice (with ``flask`` and with ``zephyr.flask``), replays one sequence of requests through each app's own
``test_client()`` (Flask's runs WSGI, Zephyr's runs the ASGI path) with cookies kept between requests, and compares
every answer's status, body and headers, all of them (names compared case-insensitively, as HTTP does).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import flask

import zephyr.flask

__all__ = ("Call", "assert_same", "build_both")

# A signed session cookie carries the second it was signed, and a permanent one an expiry date: two runs of one
# request straddling a second would differ there only. Both are replaced by a marker (the session's content is
# compared through the pages that read it).
_SIGNED = re.compile(r"^(session=)[^;]+")
_EXPIRES = re.compile(r"Expires=[^;]+")

Build = Callable[[ModuleType], Any]


@dataclass(frozen=True)
class Call:
    """One request: the client method's name, the URL and its keyword arguments."""

    method: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} {self.options or ''}".rstrip()


def build_both(build: Build) -> tuple[Any, Any]:
    """The app built on Flask and on ``zephyr.flask`` (in that order)."""
    reference, ours = build(flask), build(zephyr.flask)
    assert type(reference) is flask.Flask
    assert isinstance(ours, zephyr.flask.Flask)
    return reference, ours


def assert_same(build: Build, calls: Sequence[Call]) -> list[Any]:
    """Replay ``calls`` on both builds and assert identical answers; return Zephyr's responses.

    Args:
        build: The app source, as ``build(flask_module)``.
        calls: The requests, in order (cookies carry over, as in a browser).

    Returns:
        The ``zephyr.flask`` responses, for extra assertions.
    """
    reference, ours = build_both(build)
    ref_client, our_client = reference.test_client(), ours.test_client()
    answers = []
    for call in calls:
        # Uploads are file objects, consumed by a request: each client gets its own copy.
        ref_options, our_options = copy.deepcopy(call.options), copy.deepcopy(call.options)
        expected = getattr(ref_client, call.method)(call.url, **ref_options)
        got = getattr(our_client, call.method)(call.url, **our_options)
        ours_seen = (got.status, got.data, _headers(got))
        flask_seen = (expected.status, expected.data, _headers(expected))
        expected.close()  # Flask's file responses hold the file open until closed
        if ours_seen != flask_seen:
            raise AssertionError(f"{call}:\n zephyr.flask {ours_seen}\n flask        {flask_seen}")
        answers.append(got)
    return answers


def _headers(response: Any) -> list[tuple[str, str]]:
    headers = []
    for name, value in response.headers.to_wsgi_list():
        if name.lower() in ("date", "expires"):  # the second the answer was made (file responses)
            value = "<date>"
        elif name.lower() == "set-cookie":
            value = _EXPIRES.sub("Expires=<date>", _SIGNED.sub(r"\1<signed>", value))
        headers.append((name.lower(), value))
    return sorted(headers)

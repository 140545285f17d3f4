"""Differential harness: build one app source on FastAPI and on Zephyr and compare their answers.

Each test app is written once, as source text importing from ``fastapi`` (and, where a tutorial does, from
``starlette``). :func:`build_pair` executes it twice: as is, and with every ``fastapi``/``starlette`` import
rewritten to ``zephyr``. :func:`assert_same` drives both builds with their own ``TestClient`` over a table of
:class:`Call` rows and compares status, body bytes and every response header, then the OpenAPI documents.

The app modules live in ``sys.modules`` only while their test runs (Pydantic resolves the apps' annotations
through it); ``forget_modules`` removes them afterwards.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import sys
import types
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastapi.testclient

import zephyr.testclient

__all__ = (
    "VOLATILE_HEADERS",
    "Call",
    "assert_same",
    "assert_same_openapi",
    "build_pair",
    "build_pair_from_files",
    "describe",
    "forget_modules",
    "get",
    "post",
    "take_unchecked_pairs",
    "translate",
)

VOLATILE_HEADERS = {"date": "<date>", "x-process-time": "<seconds>"}
"""Headers whose value differs between any two runs: compared for presence, their value replaced."""
_IMPORT_NAME = re.compile(r"^(\s*(?:from|import)\s+)(?:fastapi|starlette)\b", re.MULTILINE)
_EXPIRES = re.compile(r"expires=[^;]*", re.IGNORECASE)
_APP_MODULE = re.compile(r"<tests\.compat\._apps\.\w+>")
_counter = itertools.count()
#: Pairs built since the last :func:`take_unchecked_pairs`, whose documents no comparison has fetched yet; the
#: autouse fixture in ``conftest.py`` fetches ``/openapi.json`` for each, so every differential app's document is
#: rendered on every interpreter the suite runs on.
_unchecked_pairs: list[tuple[types.ModuleType, types.ModuleType]] = []
_loaded: list[str] = []  # names of the app modules put in sys.modules, removed by forget_modules()


def forget_modules() -> None:
    """Remove the app modules built so far from ``sys.modules`` (the conftest does it after every test)."""
    for name in _loaded:
        sys.modules.pop(name, None)
    _loaded.clear()


def translate(source: str) -> str:
    """The Zephyr build of an app source: ``fastapi``/``starlette`` imports become ``zephyr`` imports."""
    return _IMPORT_NAME.sub(r"\1zephyr", source)


def _load(source: str, label: str) -> types.ModuleType:
    name = f"tests.compat._apps.{label}_{next(_counter)}"
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    sys.modules[name] = module
    _loaded.append(name)
    exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)  # noqa: S102 - test apps written here
    return module


def build_pair(source: str) -> tuple[types.ModuleType, types.ModuleType]:
    """``(fastapi_module, zephyr_module)``: the same source run on each framework."""
    pair = _load(source, "fastapi"), _load(translate(source), "zephyr")
    _unchecked_pairs.append(pair)
    return pair


def take_unchecked_pairs() -> list[tuple[types.ModuleType, types.ModuleType]]:
    """The pairs built since the last call whose OpenAPI documents were not compared, emptying the list."""
    pairs = list(_unchecked_pairs)
    _unchecked_pairs.clear()
    return pairs


def build_pair_from_files(source: str, directory: Path) -> tuple[types.ModuleType, types.ModuleType]:
    """Like :func:`build_pair`, from real files (so the endpoints' source can be inspected)."""
    modules = []
    for label, text in (("fastapi", source), ("zephyr", translate(source))):
        name = f"compat_app_{label}_{next(_counter)}"
        path = directory / f"{name}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        _loaded.append(name)
        spec.loader.exec_module(module)
        modules.append(module)
    _unchecked_pairs.append((modules[0], modules[1]))
    return modules[0], modules[1]


@dataclass
class Call:
    """One request of a differential table.

    Attributes:
        method: HTTP method.
        url: Path and query.
        kwargs: Extra ``httpx`` arguments (``json``, ``data``, ``files``, ``headers``, ``content``...).
        unordered_json: Compare bodies as parsed JSON (for answers whose key order legitimately differs).
        headers: Unused: every response header is compared (kept so older tables still read).
        deliberate: Response headers Zephyr sends on purpose where the reference does not (each documented where a
            test names it): left out of the comparison.
    """

    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    unordered_json: bool = False
    headers: Sequence[str] = ()
    deliberate: Sequence[str] = ()


def get(url: str, **kwargs: Any) -> Call:
    """A GET row."""
    return Call("GET", url, kwargs)


def post(url: str, **kwargs: Any) -> Call:
    """A POST row."""
    return Call("POST", url, kwargs)


def describe(response: Any, call: Call) -> dict[str, Any]:
    """What must be equal between the two frameworks for one answer: status, every header, the body."""
    headers: dict[str, list[str]] = {}
    for key, value in response.headers.multi_items():
        key = key.lower()
        if key in call.deliberate:
            continue
        if key in VOLATILE_HEADERS:
            value = VOLATILE_HEADERS[key]
        elif key == "set-cookie":  # the clock moves between the two runs
            value = _EXPIRES.sub("expires=<date>", value)
        elif key == "allow":  # Starlette lists a route's methods in set order, which varies between runs
            value = ", ".join(sorted(value.split(", ")))
        headers.setdefault(key, []).append(value)
    body: Any = response.content
    if call.unordered_json:
        body = json.loads(body)
    return {"status": response.status_code, "headers": headers, "body": body}


def _run(client: Any, calls: Iterable[Call]) -> list[dict[str, Any]]:
    return [describe(client.request(call.method, call.url, **call.kwargs), call) for call in calls]


def assert_same(
    source: str,
    calls: Sequence[Call],
    *,
    openapi: bool = True,
    lifespan: bool = False,
    raise_server_exceptions: bool = True,
    client_kwargs: dict[str, Any] | None = None,
    deprecated: bool = False,
) -> tuple[types.ModuleType, types.ModuleType]:
    """Build ``source`` on both frameworks, run ``calls`` on each and assert identical answers.

    Args:
        source: App source importing from ``fastapi``; must bind ``app``.
        calls: The request table.
        openapi: Also compare ``app.openapi()`` and the ``/openapi.json`` bytes.
        lifespan: Run the requests inside ``with client:`` (startup and shutdown).
        raise_server_exceptions: Passed to both TestClients.
        client_kwargs: Extra TestClient arguments (``base_url``, ``root_path``...).
        deprecated: The app uses deprecated features: both frameworks must warn (``DeprecationWarning``).

    Returns:
        The two modules, for further checks.
    """
    if deprecated:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = _assert_same(source, calls, openapi, lifespan, raise_server_exceptions, client_kwargs)
        origins = {_origin(w) for w in caught if "Deprecat" in w.category.__name__}
        assert {"fastapi", "zephyr"} <= origins, f"expected deprecation warnings from both, got {_messages(caught)}"
        return found
    return _assert_same(source, calls, openapi, lifespan, raise_server_exceptions, client_kwargs)


def _assert_same(
    source: str,
    calls: Sequence[Call],
    openapi: bool,
    lifespan: bool,
    raise_server_exceptions: bool,
    client_kwargs: dict[str, Any] | None,
) -> tuple[types.ModuleType, types.ModuleType]:
    theirs_module, ours_module = build_pair(source)
    kwargs = {"raise_server_exceptions": raise_server_exceptions, **(client_kwargs or {})}
    theirs_client = fastapi.testclient.TestClient(theirs_module.app, **kwargs)
    ours_client = zephyr.testclient.TestClient(ours_module.app, **kwargs)
    try:
        if lifespan:
            with theirs_client:
                theirs = _run(theirs_client, calls)
            with ours_client:
                ours = _run(ours_client, calls)
        else:
            theirs = _run(theirs_client, calls)
            ours = _run(ours_client, calls)
        for call, mine, ref in zip(calls, ours, theirs, strict=True):
            assert mine == ref, f"{call.method} {call.url} {call.kwargs}\nours:   {mine}\ntheirs: {ref}"
        if openapi:
            assert_same_openapi(theirs_module.app, ours_module.app)
            theirs_bytes = theirs_client.get("/openapi.json").content
            ours_bytes = ours_client.get("/openapi.json").content
            assert ours_bytes == theirs_bytes
            _unchecked_pairs[:] = [pair for pair in _unchecked_pairs if pair[1] is not ours_module]
    finally:  # closed even when an answer differs: no client (and no event loop thread) outlives its test
        ours_client.close()
        theirs_client.close()
    return theirs_module, ours_module


def assert_same_openapi(theirs_app: Any, ours_app: Any) -> None:
    """The two OpenAPI documents are equal, key by key (the first differing path is reported)."""
    with warnings.catch_warnings(record=True) as theirs_warnings:
        warnings.simplefilter("always")
        theirs = theirs_app.openapi()
    with warnings.catch_warnings(record=True) as ours_warnings:
        warnings.simplefilter("always")
        ours = ours_app.openapi()
    ours_messages, theirs_messages = _messages(ours_warnings), _messages(theirs_warnings)
    assert ours_messages == theirs_messages, f"warnings differ:\nours:   {ours_messages}\ntheirs: {theirs_messages}"
    _assert_equal_at("openapi", ours, theirs)
    assert json.dumps(ours) == json.dumps(theirs), "same content, different key order"


def _origin(warning: warnings.WarningMessage) -> str:
    """Which build a warning came from: by its category's package, else by the file it points at."""
    package = warning.category.__module__.split(".")[0]
    if package in ("fastapi", "starlette", "zephyr"):
        return "zephyr" if package == "zephyr" else "fastapi"
    filename = str(warning.filename)
    if "zephyr" in filename:
        return "zephyr"
    return "fastapi" if "fastapi" in filename or "starlette" in filename else "unknown"


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    return [_APP_MODULE.sub("<app>", str(w.message)) for w in caught]


def _assert_equal_at(where: str, ours: Any, theirs: Any) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), f"{where}: keys {sorted(ours)} != {sorted(theirs)}"
        for key in theirs:
            _assert_equal_at(f"{where}.{key}", ours[key], theirs[key])
    elif isinstance(ours, list) and isinstance(theirs, list):
        assert len(ours) == len(theirs), f"{where}: {ours!r} != {theirs!r}"
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _assert_equal_at(f"{where}[{index}]", a, b)
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


def frontend_dist(tmp_path: Path) -> Path:
    """A built single-page app under ``tmp_path``: ``dist/index.html`` and ``dist/assets/app.js``."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>index</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    return dist

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, get_args

import pytest
from annotated_types import Gt

from zephyr import FastAPI, Query
from zephyr._compile import typing_utils as tu
from zephyr.exceptions import FastAPIError
from zephyr.testclient import TestClient


class Later:
    pass


def test_typed_signature_evaluates_string_annotations_in_the_module() -> None:
    def endpoint(item: Later, count: int = 1) -> Later:
        return item

    signature = tu.typed_signature(endpoint)
    assert signature.parameters["item"].annotation is Later
    assert signature.parameters["count"].annotation is int
    assert signature.return_annotation is Later


def test_typed_signature_keeps_evaluated_annotations() -> None:
    def endpoint(item, tags=None):  # type: ignore[no-untyped-def]
        return item

    # Annotations as a module without ``from __future__ import annotations`` has them: objects, not strings.
    endpoint.__annotations__ = {"item": int, "tags": list[str] | None, "return": dict}
    assert tu.typed_signature(endpoint) == inspect.signature(endpoint)
    assert tu.typed_signature(endpoint).parameters["tags"].annotation == list[str] | None


def test_typed_signature_unresolvable_return_annotation_is_dropped() -> None:
    def endpoint(item: int) -> Missing:  # type: ignore[name-defined]  # noqa: F821
        return item

    assert tu.typed_signature(endpoint).return_annotation is inspect.Signature.empty


def test_typed_signature_unresolvable_parameter_is_an_error() -> None:
    def endpoint(item: Missing) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(FastAPIError, match="Missing"):
        tu.typed_signature(endpoint)


def test_generator_checks_look_through_wrappers_and_call() -> None:
    def gen() -> Iterator[int]:
        yield 1

    async def agen() -> AsyncIterator[int]:
        yield 1

    @functools.wraps(gen)
    def wrapped_gen() -> Any:
        return gen()

    @functools.wraps(agen)
    def wrapped_agen() -> Any:
        return agen()

    class Streams:
        def __call__(self) -> Iterator[int]:
            yield 1

    assert tu.is_gen_callable(gen) and tu.is_gen_callable(wrapped_gen) and tu.is_gen_callable(Streams())
    assert tu.is_async_gen_callable(agen) and tu.is_async_gen_callable(wrapped_agen)
    assert not tu.is_gen_callable(agen) and not tu.is_async_gen_callable(gen)
    assert not tu.is_gen_callable(len) and not tu.is_async_gen_callable(Streams())


def test_a_route_reads_its_endpoint_signature_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    original = tu.typed_signature

    def counting(call: Any) -> inspect.Signature:
        calls.append(call)
        return original(call)

    monkeypatch.setattr(tu, "typed_signature", counting)
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    assert calls.count(read_item) == 1


def test_annotated_builds_the_same_type_on_every_python() -> None:
    marker = Query(description="d")
    built = tu.annotated(int, Gt(0), marker)
    assert built == Annotated[int, Gt(0), marker]
    assert get_args(built) == (int, Gt(0), marker)
    assert tu.annotated(str) is str


def test_a_route_with_annotated_metadata_registers_and_documents() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def read(item_id: int, size: Annotated[int, Gt(0), Query()] = 1, q: str | None = None) -> dict[str, int]:
        return {"item_id": item_id, "size": size}

    client = TestClient(app)
    assert client.get("/items/3?size=2").json() == {"item_id": 3, "size": 2}
    assert client.get("/items/3?size=0").status_code == 422
    document = client.get("/openapi.json").json()
    size = document["paths"]["/items/{item_id}"]["get"]["parameters"][1]
    assert size["schema"] == {"type": "integer", "exclusiveMinimum": 0, "default": 1, "title": "Size"}


def test_plain_functions_answer_as_the_full_walk_does() -> None:
    """The plain-function shortcut gives what walking every candidate (partials, wrappers, ``__call__``) gives."""

    def plain() -> int:
        return 1

    async def coro() -> int:
        return 1

    def gen() -> Iterator[int]:
        yield 1

    async def agen() -> AsyncIterator[int]:
        yield 1

    for call in (plain, coro, gen, agen):
        assert tu._is_plain_function(call)
        walked = functools.partial(call)  # not plain: takes the general walk
        assert not tu._is_plain_function(walked)
        assert tu.is_coroutine_callable(call) is tu.is_coroutine_callable(walked) is (call is coro)
        assert tu.is_gen_callable(call) is tu.is_gen_callable(walked) is (call is gen)
        assert tu.is_async_gen_callable(call) is tu.is_async_gen_callable(walked) is (call is agen)


def test_a_wrapped_function_is_not_plain() -> None:
    async def inner() -> int:
        return 1

    @functools.wraps(inner)
    def outer() -> Any:
        return inner()

    assert not tu._is_plain_function(outer)
    assert tu.is_coroutine_callable(outer)  # seen through the wrapper, as FastAPI does


def test_plain_scalars_are_neither_complex_nor_sequences() -> None:
    for annotation in tu.PLAIN_SCALARS:
        assert tu.is_scalar(annotation) and not tu.is_sequence(annotation)
    assert not tu.is_scalar(list[int]) and tu.is_sequence(list[int])


def test_is_json_sees_pydantic_json_through_annotated() -> None:
    from typing import Annotated

    from pydantic import Json

    from zephyr import Query
    from zephyr._compile.typing_utils import is_json

    assert is_json(Json[list[str]])
    assert is_json(Annotated[Json[list[str]], Query()])
    assert not is_json(list[str])
    assert not is_json(Annotated[list[str], Query()])

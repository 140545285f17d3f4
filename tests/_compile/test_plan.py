"""``build_dependant`` and ``build_plan``: the analysis and the compiled plan, tested without a request."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import AliasChoices, BaseModel, Field

from zephyr import Body, Cookie, Depends, Form, Header, Path, Query, Request
from zephyr._compile.dependant import BODY, build_dependant
from zephyr._compile.plan import ModelCache, build_plan
from zephyr.exceptions import FastAPIError


class Item(BaseModel):
    name: str


def token(x_token: Annotated[str, Header()]) -> str:
    return x_token


def user(tok: Annotated[str, Depends(token)], q: str = "") -> str:
    return tok + q


def test_parameters_are_classified_as_fastapi_does() -> None:
    def endpoint(
        item_id: int,
        request: Request,
        item: Item,
        q: Annotated[list[str] | None, Query()] = None,
        session: Annotated[str | None, Cookie()] = None,
        who: str = Depends(user),
    ) -> None: ...

    dependant = build_dependant(endpoint, path="/items/{item_id}")
    assert [(p.name, p.location) for p in dependant.params] == [
        ("item_id", "path"),
        ("item", BODY),
        ("q", "query"),
        ("session", "cookie"),
    ]
    assert dependant.request_param_name == "request"
    assert [d.call for d in dependant.dependencies] == [user]
    assert [d.call for d in dependant.dependencies[0].dependencies] == [token]
    assert dependant.params[2].is_sequence


def test_a_path_parameter_missing_from_the_signature_is_not_invented() -> None:
    def endpoint(q: int = 0) -> None: ...

    assert [p.location for p in build_dependant(endpoint, path="/items/{item_id}").params] == ["query"]


def test_a_depends_without_a_callable_is_refused_with_the_fix() -> None:
    def endpoint(x: Annotated[int, Depends("get_db")]) -> None: ...

    with pytest.raises(FastAPIError, match=r"Depends\(\) for 'x' needs a callable, got 'get_db'"):
        build_dependant(endpoint, path="/")


def test_the_plan_calls_sub_dependencies_first_and_shares_a_cached_dependency() -> None:
    def endpoint(a: Annotated[str, Depends(user)], b: Annotated[str, Depends(token)]) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "r")
    assert [step.call for step in plan.steps] == [token, user, endpoint]  # token's second use is the cached value
    assert dict(plan.steps[-1].kwargs)["b"] == plan.steps[0].key
    assert [key for key, *_ in plan.header_fields] == [plan.fields[0].key]
    assert plan.header_names == frozenset({b"x-token"})
    assert plan.needs_query and not plan.needs_cookies and plan.body is None


def test_body_plans_by_kind() -> None:
    def single(item: Item) -> None: ...

    def embedded(item: Item, count: Annotated[int, Body()]) -> None: ...

    def form(name: Annotated[str, Form()], tags: Annotated[list[str], Form()]) -> None: ...

    single_body = build_plan(build_dependant(single, path="/"), "s").body
    assert single_body is not None and (single_body.kind, single_body.embed) == ("json", False)
    assert single_body.validator.validate_json(b'{"name": "a"}') == Item(name="a")
    embedded_body = build_plan(build_dependant(embedded, path="/"), "e").body
    assert embedded_body is not None and (embedded_body.kind, embedded_body.embed) == ("json", True)
    form_body = build_plan(build_dependant(form, path="/"), "f").body
    assert form_body is not None and form_body.kind == "form"
    assert [(read.field.name, read.group, read.reads_bytes) for read in form_body.form_reads] == [
        ("name", False, False),
        ("tags", False, False),
    ]


def test_plans_of_the_same_shape_share_one_validator_when_given_a_cache() -> None:
    def first(item_id: int, q: str | None = None) -> None: ...

    def second(item_id: int, q: str | None = None) -> None: ...

    def other_default(item_id: int, q: str | None = "x") -> None: ...

    def true_not_one(item_id: int, q: Any = True) -> None: ...

    def one_not_true(item_id: int, q: Any = 1) -> None: ...

    cache: ModelCache = {}
    plans = [
        build_plan(build_dependant(endpoint, path="/i/{item_id}"), endpoint.__name__, cache)
        for endpoint in (first, second, other_default, true_not_one, one_not_true)
    ]
    validators = [plan.param_validator for plan in plans]
    assert validators[0] is validators[1]
    assert len({id(v) for v in validators}) == 4  # a different default (even 1 vs True) is a different shape
    assert validators[3].validate_python({"p0": "1"}).__dict__ == {"p0": 1, "p1": True}
    assert validators[4].validate_python({"p0": "1"}).__dict__ == {"p0": 1, "p1": 1}
    uncached = build_plan(build_dependant(first, path="/i/{item_id}"), "first")
    assert uncached.param_validator is not validators[0]


def test_a_path_parameter_with_alias_choices_reads_the_segment_its_path_names() -> None:
    def endpoint(item: Annotated[int, Path(validation_alias=AliasChoices("first", "id"))]) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/items/{id}"), "endpoint")
    assert plan.path_fields == (("p0", "id"),)
    assert plan.choices == {}


def _same(item: Item) -> Item:
    return item


def test_body_fields_named_alike_are_validated_each_from_the_whole_body() -> None:
    def endpoint(item: Item, item2: Item = Depends(_same)) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    assert plan.body is not None
    assert not plan.body.embed
    assert [key for key, _ in plan.body.twins] == [f.key for f in plan.body.fields[1:]]
    assert plan.body.twins[0][1].validate_python({"name": "x"}) == Item(name="x")

    def alone(item: Item) -> None: ...

    single = build_plan(build_dependant(alone, path="/"), "alone")
    assert single.body is not None
    assert single.body.twins == ()


class IdHeaders(BaseModel):
    x_id: int


def test_optional_header_models_are_selected_by_their_request_names() -> None:
    def endpoint(
        converted: Annotated[IdHeaders | None, Header()] = None,
        literal: Annotated[IdHeaders | None, Header(convert_underscores=False)] = None,
        required: Annotated[IdHeaders, Header()] = IdHeaders(x_id=0),
    ) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    owns = {f.name: plan.header_owns.get(f.key) for f in plan.fields}
    assert owns == {"converted": frozenset({b"x-id"}), "literal": frozenset({b"x_id"}), "required": None}


class _Chosen(BaseModel):
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))]
    text: str


def test_only_models_with_several_names_for_a_field_get_member_groups() -> None:
    def plain(data: Annotated[Item, Query()]) -> None: ...

    def chosen(data: Annotated[_Chosen, Header()]) -> None: ...

    assert build_plan(build_dependant(plain, path="/"), "r").member_groups == {}  # the common case: no extra work
    groups = build_plan(build_dependant(chosen, path="/"), "r").member_groups
    assert list(groups.values()) == [
        (
            ((b"names", b"names", "names", True), (b"legacy", b"legacy", "legacy", True)),
            ((b"text", b"text", "text", False),),
        )
    ]


def test_a_lone_coroutine_endpoint_is_marked_for_the_direct_call() -> None:
    async def alone(q: int = 0) -> int:
        return q

    def sync_alone(q: int = 0) -> int:
        return q

    async def with_dependency(tok: Annotated[str, Depends(token)]) -> str:
        return tok

    async def stream() -> Any:
        yield 1

    plan = build_plan(build_dependant(alone, path="/"), "r")
    assert plan.lone is plan.steps[0]
    assert plan.lone.call is alone
    assert build_plan(build_dependant(sync_alone, path="/"), "r").lone is None  # runs in a worker thread
    assert build_plan(build_dependant(with_dependency, path="/"), "r").lone is None
    assert build_plan(build_dependant(stream, path="/"), "r").lone is None  # a generator endpoint

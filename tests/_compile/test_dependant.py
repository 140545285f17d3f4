"""``zephyr._compile.dependant``: what the analysed parameters offer to code that inspects them."""

from __future__ import annotations

from typing import Annotated

from zephyr import Body, Header, Query
from zephyr.dependencies.models import Dependant
from zephyr.dependencies.utils import _should_embed_body_fields, get_dependant


def endpoint(limit: Annotated[int, Query(gt=0, alias="max")] = 10) -> None: ...


def test_a_field_validates_a_value_as_fastapis_model_field_does() -> None:
    (field,) = get_dependant(path="/", call=endpoint).query_params
    assert field.validate("5") == (5, [])
    value, errors = field.validate("0", loc=("query", "max"))
    assert value is None
    assert [(error["type"], error["loc"], error["input"]) for error in errors] == [
        ("greater_than", ("query", "max"), "0")
    ]
    assert "url" not in errors[0]
    # no default and no alias in the field's own validator: the caller reads the value and applies the default
    assert field.validate(None)[1][0]["type"] == "int_type"
    assert field.type_adapter is field.type_adapter  # built once


def mixed(item_id: int, q: str = "", x_token: str = Header(""), data: dict[str, int] = Body()) -> None: ...


def test_location_lists_are_views_of_params() -> None:
    dependant = get_dependant(path="/items/{item_id}", call=mixed)
    assert [p.name for p in dependant.path_params] == ["item_id"]
    assert [p.name for p in dependant.query_params] == ["q"]
    assert [p.name for p in dependant.header_params] == ["x_token"]
    assert [p.name for p in dependant.cookie_params] == []
    assert [p.name for p in dependant.body_params] == ["data"]


def test_moving_query_parameters_into_the_body_as_fastapi_jsonrpc_does() -> None:
    dependant = get_dependant(path="/items/{item_id}", call=mixed)
    (query,) = dependant.query_params
    dependant.body_params.extend(dependant.query_params)
    dependant.query_params = []
    assert [(p.name, p.location) for p in dependant.params] == [
        ("item_id", "path"),
        ("x_token", "header"),
        ("data", "body"),
        ("q", "body"),
    ]
    moved = dependant.body_params[1]
    assert moved is not query  # a copy: the original stays a query field wherever else it is used
    assert query.location == "query"
    assert moved.field_info is query.field_info
    # FastAPI's markers take it; fastapi-jsonrpc sets it on every moved field
    moved.field_info.embed = True  # type: ignore[attr-defined]
    assert _should_embed_body_fields(dependant.body_params)


def test_every_list_operation_reaches_the_dependant() -> None:
    dependant = get_dependant(path="/items/{item_id}", call=mixed)
    header, body = dependant.header_params[0], dependant.body_params[0]
    view = dependant.header_params
    view.append(body)
    assert [p.location for p in dependant.header_params] == ["header", "header"]
    assert [p.name for p in dependant.body_params] == ["data"]  # the body field itself stays in the body
    view.pop()
    view.insert(0, body)
    assert [p.name for p in dependant.header_params] == ["data", "x_token"]
    view.remove(header)
    del view[0]
    assert dependant.header_params == []
    view += [header]
    view[0] = header
    assert dependant.header_params == [header]
    view.clear()
    assert dependant.header_params == []
    dependant.cookie_params = [header]
    assert [(p.name, p.location) for p in dependant.cookie_params] == [("x_token", "cookie")]


def test_a_hand_built_dependant_collects_fields_of_any_location() -> None:
    source = get_dependant(path="/items/{item_id}", call=mixed)
    flat = Dependant(path="/items/{item_id}", call=mixed, name="flat")
    for location in ("path_params", "query_params", "header_params", "cookie_params", "body_params"):
        getattr(flat, location).extend(getattr(source, location))
    assert [(p.name, p.location) for p in flat.params] == [(p.name, p.location) for p in source.params]
    assert flat.flat_body_params() == source.body_params


def test_markers_carry_their_parameters_type_as_fastapis_do() -> None:
    dependant = get_dependant(path="/items/{item_id}", call=mixed)
    assert [p.field_info.annotation for p in dependant.params] == [int, str, str, dict[str, int]]

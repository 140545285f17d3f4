"""The typed-dict shortcut for response models must give the model's exact bytes, or step aside.

Every case runs a `ResponseModel` twice, with the shortcut and without it (the model path FastAPI takes), and the
two must agree: same bytes, or the same `ResponseValidationError`.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    TypeAdapter,
    computed_field,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)
from typing_extensions import TypedDict

from zephyr._compile.plain_models import plain_schema
from zephyr._compile.serialize import ResponseModel
from zephyr.exceptions import ResponseValidationError


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Tag(BaseModel):
    label: str
    weight: float = 1.0


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str]


class Rich(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True, str_to_upper=True)

    id: int
    name: str = Field(alias="Name", min_length=1)
    secret: str = Field(default="s", exclude=True)
    note: Optional[str] = None
    color: Color = Color.RED
    kind: Literal["a", "b"] = "a"
    when: Optional[datetime.datetime] = None
    ident: Optional[uuid.UUID] = None
    tag: Optional[Tag] = None
    tags: list[Tag] = Field(default_factory=list)
    scores: dict[str, int] = Field(default_factory=dict)
    pair: tuple[int, str] = (1, "x")
    number: Union[int, str] = 0


class Tree(BaseModel):
    value: int
    children: list[Tree] = Field(default_factory=list)


class Forbidding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class Row(TypedDict):
    item: Item
    count: int


class Configured(BaseModel):
    model_config = ConfigDict(str_to_upper=True, validate_default=True)

    label: str = "low"
    count: int = "5"  # type: ignore[assignment]  # validated, because of validate_default


class Outer(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    label: str
    inner: Configured
    inners: list[Configured] = []


class Keyed(BaseModel):
    by_key: dict[str, Tag] = Field(default_factory=dict)  # an empty dict holds no instance
    fixed: dict[str, Tag] = {}


class Holder(BaseModel):
    tag: Tag = Tag(label="default")


PLAIN_TYPES: list[Any] = [
    Item,
    list[Item],
    Optional[Item],
    dict[str, Item],
    tuple[Item, ...],
    Rich,
    list[Rich],
    Tree,
    Forbidding,
    Orm,
    Row,
    list[Row],
    Outer,
    Keyed,
]


class Validated(BaseModel):
    id: int

    @field_validator("id")
    @classmethod
    def positive(cls, value: int) -> int:
        return abs(value)


class Checked(BaseModel):
    id: int

    @model_validator(mode="after")
    def check(self) -> Checked:
        return self


class Computed(BaseModel):
    id: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> int:
        return self.id * 2


class FieldSerialized(BaseModel):
    id: int

    @field_serializer("id")
    def as_text(self, value: int) -> str:
        return str(value)


class ModelSerialized(BaseModel):
    id: int

    @model_serializer
    def whole(self) -> dict[str, Any]:
        return {"id": self.id}


class Extra(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)

    id: int


class Other(BaseModel):
    code: str


class UnionWithValidator(BaseModel):
    value: Union[int, Annotated[str, AfterValidator(str.strip)]]


class SerConfig(BaseModel):
    model_config = ConfigDict(ser_json_timedelta="float", ser_json_bytes="base64")

    wait: datetime.timedelta
    data: bytes


class NestedSerConfig(BaseModel):
    inner: SerConfig


MODEL_TYPES: list[Any] = [
    Validated,
    Checked,
    Computed,
    FieldSerialized,
    ModelSerialized,
    Extra,
    Strict,
    RootModel[list[int]],
    Union[Item, Other],
    list[Union[Item, Other]],
    Holder,
    Annotated[Item, AfterValidator(lambda item: item)],
    Annotated[Item, PlainSerializer(lambda item: 1)],
    SerConfig,
    list[NestedSerConfig],
    UnionWithValidator,
]


@pytest.mark.parametrize("annotation", PLAIN_TYPES, ids=repr)
def test_models_that_are_only_fields_get_the_shortcut(annotation: Any) -> None:
    assert plain_schema(TypeAdapter(annotation).core_schema) is not None
    assert ResponseModel(TypeAdapter(annotation)).plain is not None


@pytest.mark.parametrize("annotation", MODEL_TYPES, ids=repr)
def test_models_with_behaviour_of_their_own_keep_the_model_path(annotation: Any) -> None:
    assert plain_schema(TypeAdapter(annotation).core_schema) is None
    assert ResponseModel(TypeAdapter(annotation)).plain is None


@pytest.mark.parametrize("annotation", [int, list[str], dict[str, float], Optional[int]], ids=repr)
def test_types_without_a_model_need_no_shortcut(annotation: Any) -> None:
    assert plain_schema(TypeAdapter(annotation).core_schema) is None


@pytest.mark.parametrize(
    "options",
    [{"include": {"id"}}, {"exclude": {"id"}}, {"exclude_unset": True}, {"exclude_defaults": True}],
    ids=repr,
)
def test_options_that_need_instances_keep_the_model_path(options: dict[str, Any]) -> None:
    assert ResponseModel(TypeAdapter(Item), **options).plain is None


def _outcome(model: ResponseModel, content: Any) -> tuple[str, Any, Any]:
    try:
        return "ok", model.to_json(content), _typed(model.to_python(content))
    except ResponseValidationError as exc:
        return "error", exc.errors(), None


def _typed(data: Any) -> Any:
    """``data`` with each value's type beside it: ``1 == 1.0`` must not hide an int written where a float was."""
    if isinstance(data, dict):
        return {key: _typed(value) for key, value in data.items()}, list(data)
    if isinstance(data, (list, tuple)):
        return type(data).__name__, [_typed(value) for value in data]
    return type(data).__name__, data if data == data else "nan"


def _assert_same(annotation: Any, content: Any, **options: Any) -> None:
    adapter = TypeAdapter(annotation)
    fast = ResponseModel(adapter, **options)
    assert fast.plain is not None
    slow = ResponseModel(adapter, **options)
    slow.plain = None
    assert _outcome(fast, content) == _outcome(slow, content)


class _Attributes:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


ITEM = {"id": 1, "name": "a", "price": 2.5, "tags": ["x"]}

RICH_ROW = {
    "id": 1,
    "Name": "n",
    "color": "blue",
    "kind": "b",
    "when": "2024-01-02T03:04:05Z",
    "ident": "12345678-1234-5678-1234-567812345678",
    "tag": {"label": "t", "weight": 2},
    "tags": [{"label": "u"}],
    "scores": {"a": "1"},
    "pair": ("2", "y"),
    "number": "5",
}
TREE = {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}
ROWS = [{"item": ITEM, "count": "3"}]
OUTER = {"label": " b ", "inner": {"label": " x "}, "inners": [{"label": "q", "count": 7}]}

CASES: list[tuple[Any, Any]] = [
    (Item, ITEM),
    (Item, {"tags": ["x"], "price": 2, "name": "a", "id": "7", "extra": object()}),  # order, lax, extra keys
    (Item, {"id": 1.0, "name": "a", "price": "3.25", "tags": ("x", "y")}),
    (Item, {"id": 1.5, "name": "a", "price": 1, "tags": []}),  # error
    (Item, {"id": 1}),  # errors
    (Item, Item(**ITEM)),  # an instance: the model path
    (Item, _Attributes(**ITEM)),  # attributes: the model path
    (Item, "nope"),
    (Item, {"id": 1, "name": "a", "price": float("inf"), "tags": []}),
    (Item, {"id": 1, "name": "\ud800", "price": 1, "tags": []}),  # a lone surrogate: escaped by the model path
    (list[Item], [ITEM, {**ITEM, "id": 2}]),
    (list[Item], [ITEM, Item(**ITEM)]),
    (list[Item], [ITEM, {"id": "x"}]),
    (Optional[Item], None),
    (dict[str, Item], {"a": ITEM}),
    (tuple[Item, ...], [ITEM, ITEM]),
    (Rich, {"id": 1, "Name": "  padded  ", "secret": "hidden"}),
    (Rich, {"id": 1, "name": "by name"}),
    (Rich, {"id": 1, "Name": "   "}),  # stripped to empty: min_length error
    (Rich, RICH_ROW),
    (Rich, {**RICH_ROW, "pair": ["2", "y"]}),  # a list for a tuple: the model path
    (Rich, {"id": 1, "Name": "n", "tag": Tag(label="instance")}),
    (Rich, {"id": 1, "Name": "n", "color": "green"}),
    (Tree, TREE),
    (Forbidding, {"id": 1}),
    (Forbidding, {"id": 1, "other": 2}),
    (Orm, {"id": 1, "name": "a"}),
    (Orm, _Attributes(id=1, name="a")),
    (Row, {"item": ITEM, "count": 3}),
    (list[Row], ROWS),
    (Outer, {"label": "  a  ", "inner": {}}),  # each model's config applies to its own fields
    (Outer, OUTER),
    (Keyed, {}),
    (Keyed, {"by_key": {"a": {"label": "x"}}}),
]


@pytest.mark.parametrize(("annotation", "content"), CASES, ids=repr)
def test_the_shortcut_gives_what_the_model_gives(annotation: Any, content: Any) -> None:
    _assert_same(annotation, content)


@pytest.mark.parametrize("options", [{"by_alias": False}, {"exclude_none": True}], ids=repr)
def test_dump_options_apply_alike(options: dict[str, Any]) -> None:
    _assert_same(Rich, {"id": 1, "Name": "n", "tag": {"label": "t"}}, **options)
    _assert_same(list[Rich], [{"id": 1, "Name": "n", "note": "x"}], **options)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=5),
    st.sampled_from(["1", "2.5", "-3", "1e3", "true", " 4 "]),
    st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3),
)
rows = st.dictionaries(st.sampled_from(["id", "name", "price", "tags", "other"]), values, max_size=5)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(rows, max_size=4))
def test_any_rows_come_out_as_the_model_writes_them(content: list[dict[str, Any]]) -> None:
    _assert_same(list[Item], content)


@pytest.mark.parametrize(
    ("annotation", "content"),
    [
        (list[Item], [ITEM] * 3),
        (Rich, RICH_ROW),
        (Tree, TREE),
        (list[Row], ROWS),
        (Outer, OUTER),
    ],
    ids=repr,
)
def test_valid_dicts_take_the_shortcut(annotation: Any, content: Any) -> None:
    model = ResponseModel(TypeAdapter(annotation))
    assert model.plain is not None
    validator, serializer = model.plain
    data = validator.validate_python(content)  # accepted: no fallback to the model
    slow = ResponseModel(TypeAdapter(annotation))
    slow.plain = None
    assert serializer.to_json(data, by_alias=True) == slow.to_json(content)


class Plain(BaseModel):
    id: int
    label: str = "x"
    ratio: Optional[float] = None
    flags: list[bool] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    kind: Literal["a", "b"] = "a"
    number: Union[int, str, None] = None
    children: list[Plain] = Field(default_factory=list)


class Renamed(BaseModel):
    id: int = Field(serialization_alias="ID")


class Hidden(BaseModel):
    id: int
    secret: str = Field(default="", exclude=True)


class Dated(BaseModel):
    when: datetime.datetime


class Loose(BaseModel):
    data: Any


class Constants(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="constants")

    ratio: float


class WrongDefault(BaseModel):
    ratio: float = 1  # an int default: the model writes 1.0


class UnionDefault(BaseModel):
    number: Union[float, int] = True


@pytest.mark.parametrize("annotation", [Item, list[Item], Plain, list[Plain], Row, Orm], ids=repr)
def test_plain_json_data_gets_the_native_encoder(annotation: Any) -> None:
    assert ResponseModel(TypeAdapter(annotation)).encode is not None


@pytest.mark.parametrize(
    "annotation",
    [Rich, Renamed, Hidden, Dated, Loose, Constants, WrongDefault, UnionDefault, dict[int, Item]],
    ids=repr,
)
def test_data_the_encoders_could_write_differently_keeps_pydantic_core(annotation: Any) -> None:
    model = ResponseModel(TypeAdapter(annotation))
    assert model.encode is None


def test_exclude_none_keeps_pydantic_core() -> None:
    assert ResponseModel(TypeAdapter(Item), exclude_none=True).encode is None


def test_without_orjson_pydantic_core_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "orjson", None)
    model = ResponseModel(TypeAdapter(list[Item]))
    assert model.plain is not None
    assert model.encode is None
    _assert_same(list[Item], [ITEM])


@pytest.mark.parametrize(
    "content",
    [
        {"id": 2**80},  # past 64 bits: orjson refuses, pydantic-core writes it
        {"id": 1, "label": "\udcff"},  # a lone surrogate: the model path escapes it
        {"id": 1, "ratio": float("nan"), "scores": {"a": float("inf"), "b": -0.0}},
        {"id": True, "label": "é\u2028\x00\x7f", "flags": [1, "yes"], "number": "7", "kind": "b"},
        {"id": 1, "children": [{"id": 2, "children": [{"id": 3, "ratio": 1e-7}]}]},
    ],
    ids=repr,
)
def test_the_native_encoder_writes_what_pydantic_core_writes(content: Any) -> None:
    _assert_same(Plain, content)


plain_rows = st.fixed_dictionaries(
    {"id": st.integers(min_value=-(2**66), max_value=2**66)},
    optional={
        "label": st.text(),
        "ratio": st.none() | st.floats(),
        "flags": st.lists(st.booleans(), max_size=3),
        "scores": st.dictionaries(st.text(max_size=4), st.floats(), max_size=3),
        "number": st.integers() | st.text(max_size=4),
    },
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(plain_rows, max_size=4))
def test_any_plain_rows_are_written_alike(content: list[dict[str, Any]]) -> None:
    _assert_same(list[Plain], content)


@pytest.mark.parametrize("annotation", [Plain, WrongDefault, UnionDefault, Hidden, Renamed], ids=repr)
def test_defaults_go_out_as_the_model_writes_them(annotation: Any) -> None:
    _assert_same(annotation, {"id": 1})


def test_a_schema_pydantic_core_refuses_leaves_the_model_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import zephyr._compile.serialize as serialize

    def refuse(schema: Any) -> Any:
        raise RuntimeError("refused")

    monkeypatch.setattr(serialize, "SchemaValidator", refuse)
    model = ResponseModel(TypeAdapter(list[Item]))
    assert model.plain is None
    assert model.encode is None
    assert model.to_json([ITEM]) == TypeAdapter(list[Item]).dump_json([Item(**ITEM)])


def _rows_with_iterators() -> list[Any]:
    return [
        {"id": 1, "name": "a", "price": 1, "tags": (tag for tag in ("x", "y"))},
        {"id": 2, "name": "b", "price": 2, "tags": iter(["z"])},
        Item(id=3, name="instance", price=3, tags=[]),
    ]


@pytest.mark.parametrize("rows", [_rows_with_iterators, lambda: _rows_with_iterators()[:2]], ids=["mixed", "dicts"])
def test_iterators_in_rows_reach_the_model_whole(rows: Any) -> None:
    fast = ResponseModel(TypeAdapter(list[Item]))
    assert fast.plain is not None
    slow = ResponseModel(TypeAdapter(list[Item]))
    slow.plain = None
    assert fast.to_json(rows()) == slow.to_json(rows())
    assert b'"tags":["x","y"]' in fast.to_json(rows())

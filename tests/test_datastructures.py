from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from tempfile import SpooledTemporaryFile
from typing import Any

import pydantic
import pytest
import starlette.datastructures as sd

from zephyr import datastructures as zd
from zephyr.datastructures import (
    URL,
    Address,
    CommaSeparatedStrings,
    Default,
    DefaultPlaceholder,
    FormData,
    Headers,
    ImmutableMultiDict,
    MultiDict,
    MutableHeaders,
    QueryParams,
    Secret,
    State,
    UploadFile,
    URLPath,
)


def same(build: Callable[[Any], Any]) -> Any:
    """Run ``build`` with our module and Starlette's; assert equal results and return ours."""
    ours, theirs = build(zd), build(sd)
    assert ours == theirs
    return ours


# URL


URLS = [
    "https://user:pw@example.org:8443/a/b?x=1&x=2&y=#frag",
    "http://example.org",
    "http://[::1]:8000/p?q",
    "ws://h/ws",
    "/relative/path?q=1",
    "",
]


@pytest.mark.parametrize("url", URLS)
def test_url_components_match_starlette(url: str) -> None:
    def build(m: Any) -> Any:
        u = m.URL(url)
        return (
            str(u),
            repr(u),
            u.scheme,
            u.netloc,
            u.path,
            u.query,
            u.fragment,
            u.username,
            u.password,
            u.hostname,
            u.port,
            u.is_secure,
            tuple(u.components),
        )

    same(build)


@pytest.mark.parametrize("url", URLS[:4])
@pytest.mark.parametrize(
    "change",
    [
        {"path": "/new"},
        {"scheme": "https"},
        {"query": "a=b"},
        {"fragment": "f2"},
        {"hostname": "other.org"},
        {"hostname": "::1"},
        {"hostname": "not:ipv6"},
        {"port": 9000},
        {"port": None},
        {"username": "bob"},
        {"username": "bob", "password": "secret"},
        {"password": "only"},
        {"netloc": "n.org:1"},
    ],
)
@pytest.mark.current_reference
def test_url_replace_matches_starlette(url: str, change: dict[str, Any]) -> None:
    same(lambda m: str(m.URL(url).replace(**change)))


@pytest.mark.parametrize("url", URLS)
def test_url_query_param_helpers_match_starlette(url: str) -> None:
    same(lambda m: str(m.URL(url).include_query_params(x=3, z="a b")))
    same(lambda m: str(m.URL(url).replace_query_params(k="v", n=1)))
    same(lambda m: str(m.URL(url).remove_query_params("x")))
    same(lambda m: str(m.URL(url).remove_query_params(["x", "y"])))


def test_url_from_components_and_equality() -> None:
    url = URL(scheme="https", netloc="example.org", path="/p", query="a=1")
    assert url == "https://example.org/p?a=1"
    assert url == URL("https://example.org/p?a=1")
    assert url != "https://example.org/other"
    assert hash(url) == hash("https://example.org/p?a=1")
    assert str(url) == "https://example.org/p?a=1"


def test_url_repr_masks_password() -> None:
    assert repr(URL("http://u:secret@h/")) == "URL('http://u:********@h/')"


def test_url_rejects_several_sources() -> None:
    scope = {"type": "http", "path": "/", "headers": []}
    with pytest.raises(ValueError, match="not several"):
        URL("http://x", scope=scope)
    with pytest.raises(ValueError, match="not several"):
        URL(scope=scope, path="/")
    with pytest.raises(ValueError, match="components"):
        URL("http://x", path="/")


SCOPES: list[dict[str, Any]] = [
    {"headers": [(b"host", b"example.org")]},
    {"headers": [(b"host", b"example.org:8000")], "query_string": b"a=1&b=%20"},
    {"headers": [(b"host", b"bad host")]},
    {"headers": [(b"host", b"example.org:99999")]},
    {"headers": [(b"host", b"example.org:")]},
    {"headers": [(b"host", b"example.org:" + b"0" * 5000 + b"1")]},
    {"headers": [(b"host", b"ex/ample")]},
    {"headers": [(b"host", b"[::1]:8000")]},
    {"headers": [(b"host", b"[::zz]")]},
    {"headers": [(b"host", b"[1::2::3]")]},
    {"headers": [(b"host", b"h")], "path": "relative"},
    {"headers": [(b"host", b"[v1.abc]")]},
    {"headers": [(b"host", b"@evil")]},
    {"headers": [], "server": ("10.0.0.1", 8080)},
    {"headers": [], "server": ("10.0.0.1", 80)},
    {"headers": [], "server": ("::1", 443), "scheme": "https"},
    {"headers": [], "server": ("h", 443), "scheme": "wss"},
    {"headers": [], "server": ("h", 80), "scheme": "ws"},
    {"headers": [], "server": None},
    {"headers": [], "server": None, "path": "//double", "query_string": b"q=1"},
    {"headers": [(b"host", b"h")], "path": "/a?b#c\\d"},
    {"headers": [(b"host", b"h")], "path": "//double"},
    {"headers": ((b"x", b"1"), (b"host", b"tuple.org"))},
]


@pytest.mark.parametrize("overrides", SCOPES)
@pytest.mark.current_reference
def test_url_from_scope_matches_starlette(overrides: dict[str, Any]) -> None:
    scope: dict[str, Any] = {"type": "http", "scheme": "http", "path": "/p", "query_string": b"", "server": ("s", 80)}
    scope.update(overrides)
    same(lambda m: str(m.URL(scope=dict(scope))))


def test_url_path_make_absolute_url_matches_starlette() -> None:
    for path, protocol, host in [("/a", "", ""), ("/a", "http", ""), ("/ws", "websocket", ""), ("/a", "", "other")]:
        for base in ["http://h/", "https://h/root/", "http://h:8000/root"]:
            same(lambda m: str(m.URLPath(path, protocol, host).make_absolute_url(base)))  # noqa: B023
            same(lambda m: str(m.URLPath(path, protocol, host).make_absolute_url(m.URL(base))))  # noqa: B023


def test_url_path_is_a_str_with_protocol_and_host() -> None:
    path = URLPath("/a\\b", "http", "h")
    assert path == "/a%5Cb"
    assert (path.protocol, path.host) == ("http", "h")
    assert URLPath("//x") == "/%2Fx"
    with pytest.raises(ValueError, match="protocol must be"):
        URLPath("/", "ftp")  # type: ignore[arg-type]


def test_address_is_a_named_tuple() -> None:
    address = Address("h", 1)
    assert address == ("h", 1)
    assert (address.host, address.port) == ("h", 1)


# Headers


def test_headers_from_mapping_raw_and_scope() -> None:
    assert Headers({"Content-Type": "a"}).raw == [(b"content-type", b"a")]
    raw = [(b"x", b"1"), (b"x", b"2")]
    assert Headers(raw=raw).getlist("X") == ["1", "2"]
    scope: dict[str, Any] = {"headers": ((b"a", b"1"),)}
    headers = Headers(scope=scope)
    assert headers["a"] == "1"
    assert scope["headers"] == [(b"a", b"1")]
    listed = [(b"a", b"1")]
    assert Headers(scope={"headers": listed})._list is listed
    assert len(Headers()) == 0


def test_headers_reject_several_sources() -> None:
    with pytest.raises(ValueError, match="not several"):
        Headers({"a": "b"}, raw=[])
    with pytest.raises(ValueError, match="not several"):
        Headers(raw=[], scope={"headers": []})


def test_headers_api_matches_starlette() -> None:
    raw = [(b"a", b"1"), (b"b", b"2"), (b"a", b"3"), (b"c", b"\xe9")]

    def build(m: Any) -> Any:
        h = m.Headers(raw=list(raw))
        return (
            h["A"],
            h.get("b"),
            h.get("missing"),
            h.get("missing", "d"),
            h.getlist("a"),
            h.getlist("z"),
            h.keys(),
            h.values(),
            h.items(),
            h.raw,
            len(h),
            list(h),
            "A" in h,
            "z" in h,
            repr(h),
            repr(m.Headers({"x": "1"})),
            h == m.Headers(raw=list(reversed(raw))),
            h == {"a": "1"},
            dict(h),
        )

    same(build)
    with pytest.raises(KeyError):
        Headers()["x"]


def test_headers_lookup_decodes_only_the_key_asked_for() -> None:
    class Undecodable(bytes):
        def decode(self, *args: Any, **kwargs: Any) -> str:
            raise AssertionError("decoded a header that was not asked for")

    headers = Headers(raw=[(b"a", b"1"), (b"b", Undecodable(b"2")), (b"c", b"3")])
    assert headers["c"] == "3"
    assert headers.get("a") == "1"
    assert "b" in headers


def test_headers_raw_is_a_copy_and_mutablecopy_is_independent() -> None:
    raw = [(b"a", b"1")]
    headers = Headers(raw=raw)
    headers.raw.append((b"b", b"2"))
    assert raw == [(b"a", b"1")]
    copy = headers.mutablecopy()
    copy["a"] = "2"
    assert headers["a"] == "1"
    assert isinstance(copy, MutableHeaders)


def test_mutable_headers_edit_the_raw_list_in_place() -> None:
    raw = [(b"a", b"1"), (b"x", b"1"), (b"a", b"2"), (b"a", b"3")]
    headers = MutableHeaders(raw=raw)
    headers["A"] = "new"
    assert raw == [(b"a", b"new"), (b"x", b"1")]
    assert headers.raw is raw
    headers.append("A", "more")
    del headers["a"]
    assert raw == [(b"x", b"1")]
    assert headers.setdefault("x", "ignored") == "1"
    assert headers.setdefault("y", "2") == "2"
    headers.update({"x": "9", "z": "0"})
    assert raw == [(b"x", b"9"), (b"y", b"2"), (b"z", b"0")]
    del headers["missing"]
    assert len(raw) == 3


def test_mutable_headers_operations_match_starlette() -> None:
    def build(m: Any) -> Any:
        h = m.MutableHeaders(raw=[(b"vary", b"accept"), (b"a", b"1")])
        h.add_vary_header("origin")
        h["b"] = "2"
        h.append("b", "3")
        merged = h | {"c": "4"}
        h |= {"a": "5"}
        h.setdefault("d", "6")
        return h.raw, merged.raw, type(merged).__name__

    same(build)


def test_mutable_headers_or_needs_a_mapping() -> None:
    headers = MutableHeaders()
    with pytest.raises(TypeError, match="Expected a mapping but got list"):
        headers | [("a", "b")]  # type: ignore[operator]
    with pytest.raises(TypeError, match="Expected a mapping but got list"):
        headers |= [("a", "b")]  # type: ignore[arg-type]


# Multi-dicts


@pytest.mark.current_reference
def test_immutable_multidict_matches_starlette() -> None:
    def build(m: Any) -> Any:
        d = m.ImmutableMultiDict([("a", "1"), ("b", "2"), ("a", "3")], c="4")
        from_mapping = m.ImmutableMultiDict({"x": "1"})
        from_multi = m.ImmutableMultiDict(d)
        return (
            d["a"],
            d.getlist("a"),
            d.getlist("z"),
            list(d.keys()),
            list(d.values()),
            list(d.items()),
            d.multi_items(),
            list(d),
            len(d),
            "a" in d,
            "z" in d,
            d.get("z"),
            repr(d),
            from_mapping.multi_items(),
            from_multi == d,
            d == m.ImmutableMultiDict([("b", "2"), ("a", "1"), ("a", "3"), ("c", "4")]),
            d == m.ImmutableMultiDict([("a", "3"), ("a", "1"), ("b", "2"), ("c", "4")]),
            d == {"a": "3"},
            m.ImmutableMultiDict().multi_items(),
            m.ImmutableMultiDict(None).multi_items(),
        )

    same(build)
    with pytest.raises(TypeError, match="at most one positional argument"):
        ImmutableMultiDict([], [])


def test_multidict_mutations_match_starlette() -> None:
    def build(m: Any) -> Any:
        d = m.MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
        log: list[Any] = []
        d["c"] = "4"
        d["a"] = "5"
        log.append(d.multi_items())
        d.append("a", "6")
        log.append(d.poplist("a"))
        log.append(d.pop("missing", "dflt"))
        log.append(d.setdefault("b", "x"))
        log.append(d.setdefault("e", "7"))
        d.setlist("f", ["8", "9"])
        d.setlist("b", [])
        log.append(d.multi_items())
        d.update([("f", "10"), ("g", "11")], h="12")
        log.append(d.multi_items())
        del d["g"]
        log.append(d.popitem())
        log.append(d.multi_items())
        d.clear()
        log.append((d.multi_items(), len(d)))
        return log

    same(build)


def test_multidict_is_unhashable() -> None:
    with pytest.raises(TypeError):
        hash(MultiDict())


@pytest.mark.parametrize(
    "value",
    [
        "a=1&a=2&b=&c",
        "a=%20x+y&%C3%A9=%E2%82%AC",
        b"a=1&b=%FF",
        "",
        {"a": 1, "b": "2"},
        [("a", 1), ("a", 2)],
    ],
)
def test_query_params_match_starlette(value: Any) -> None:
    def build(m: Any) -> Any:
        q = m.QueryParams(value)
        k = m.QueryParams(value, extra=3)
        return q.multi_items(), str(q), repr(q), k.multi_items(), str(k), dict(q)

    same(build)


def test_query_params_from_multidict_and_kwargs() -> None:
    assert str(QueryParams(MultiDict([("a", 1), ("a", 2)]))) == "a=1&a=2"
    assert QueryParams(a=1).multi_items() == [("a", "1")]
    assert QueryParams(QueryParams("a=1")) == QueryParams("a=1")


# Uploads and forms


def in_memory(upload: UploadFile) -> bool:
    return upload._in_memory


@pytest.mark.anyio
async def test_upload_file_in_memory_runs_inline() -> None:
    spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=100)  # noqa: SIM115
    upload = UploadFile(spool, size=0, filename="a.txt", headers=Headers({"content-type": "text/plain"}))  # type: ignore[arg-type]
    await upload.write(b"hello")
    assert upload.size == 5
    assert in_memory(upload)
    await upload.seek(0)
    assert await upload.read(2) == b"he"
    assert await upload.read() == b"llo"
    assert upload.content_type == "text/plain"
    assert upload.filename == "a.txt"
    assert repr(upload) == "UploadFile(filename='a.txt', size=5, headers=Headers({'content-type': 'text/plain'}))"
    await upload.write(b"x" * 200)
    assert not in_memory(upload)
    assert upload.size == 205
    await upload.seek(0)
    assert len(await upload.read()) == 205
    await upload.close()
    assert spool.closed


@pytest.mark.anyio
async def test_upload_file_without_spool_uses_threads() -> None:
    upload = UploadFile(io.BytesIO())
    assert upload.size is None
    assert upload.content_type is None
    assert upload.headers == Headers()
    assert not upload._in_memory
    await upload.write(b"data!")
    assert upload.size is None
    await upload.seek(0)
    assert await upload.read() == b"data!"
    await upload.close()
    assert upload.file.closed


@pytest.mark.anyio
async def test_form_data_closes_uploads() -> None:
    first, second = UploadFile(io.BytesIO()), UploadFile(io.BytesIO())
    form = FormData([("a", "1"), ("f", first)], g=second)
    assert form.getlist("a") == ["1"]
    assert form["g"] is second
    await form.close()
    assert first.file.closed
    assert second.file.closed


def test_upload_file_as_pydantic_field() -> None:
    class Model(pydantic.BaseModel):
        file: UploadFile
        files: list[UploadFile] = []

    upload = UploadFile(io.BytesIO(b""), filename="x")
    assert Model(file=upload, files=[upload]).file is upload
    with pytest.raises(pydantic.ValidationError) as info:
        Model(file="not a file")
    error = info.value.errors()[0]
    assert error["type"] == "value_error"
    assert error["msg"] == "Value error, Expected UploadFile, received: <class 'str'>"
    upload.file.close()


def test_upload_file_json_schema_matches_fastapi() -> None:
    import fastapi

    ours = pydantic.TypeAdapter(list[UploadFile]).json_schema()
    theirs = pydantic.TypeAdapter(list[fastapi.UploadFile]).json_schema()
    assert (
        ours == theirs == {"items": {"type": "string", "contentMediaType": "application/octet-stream"}, "type": "array"}
    )


# State, Default, settings helpers


def test_state_attribute_bag() -> None:
    backing: dict[str, Any] = {}
    state = State(backing)
    state.a = 1
    state["b"] = 2
    assert backing == {"a": 1, "b": 2}
    assert (state.a, state["b"], len(state), sorted(state), "a" in state) == (1, 2, 2, ["a", "b"], True)
    del state.a
    del state["b"]
    assert backing == {}
    with pytest.raises(AttributeError, match="'State' object has no attribute 'missing'"):
        state.missing  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        del state.missing
    assert repr(State({"x": 1})) == "State({'x': 1})"


def test_state_copies_and_pickles() -> None:
    import copy

    state = State({"x": 1})
    assert copy.copy(state).x == 1
    assert copy.copy(state)._state is state._state
    deep = copy.deepcopy(state)
    assert deep.x == 1
    assert deep._state is not state._state
    assert pickle.loads(pickle.dumps(state)).x == 1  # noqa: S301 - our own data


def test_default_placeholder() -> None:
    marker: Any = Default(3)
    assert isinstance(marker, DefaultPlaceholder)
    assert marker == DefaultPlaceholder(3)
    assert marker != DefaultPlaceholder(4)
    assert marker != 3
    assert bool(Default(0)) is False
    assert bool(Default([1])) is True
    assert repr(marker) == "Default(3)"


def test_comma_separated_strings_match_starlette() -> None:
    for value in ["a, b,c", "'a,b', c", "", ["x", "y"]]:
        same(lambda m: (list(m.CommaSeparatedStrings(value)), repr(m.CommaSeparatedStrings(value))))  # noqa: B023
        same(lambda m: str(m.CommaSeparatedStrings(value)))  # noqa: B023
    items = CommaSeparatedStrings("a,b,c")
    assert (items[0], items[1:], len(items)) == ("a", ["b", "c"], 3)


def test_secret_hides_its_value() -> None:
    secret = Secret("hunter2")
    assert repr(secret) == "Secret('**********')"
    assert str(secret) == "hunter2"
    assert bool(secret) is True
    assert bool(Secret("")) is False


def test_query_fast_path_matches_parse_qsl() -> None:
    import random
    from urllib.parse import parse_qsl

    alphabet = "ab=&;%+ 2é"
    rng = random.Random(1234)
    for _ in range(3000):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert QueryParams(query).multi_items() == parse_qsl(query, keep_blank_values=True), query


@pytest.mark.parametrize("module_name", ["zephyr.datastructures", "zephyr.requests", "zephyr._multipart"])
def test_all_is_sorted_and_defined(module_name: str) -> None:
    import importlib

    module = importlib.import_module(module_name)
    assert list(module.__all__) == sorted(module.__all__)
    assert isinstance(module.__all__, tuple)
    for name in module.__all__:
        assert hasattr(module, name), name


def _upload_app(module: Any) -> Any:
    """The same upload endpoints on ``module.FastAPI`` (annotations set as objects: this file defers them)."""
    from typing import Annotated

    app = module.FastAPI()

    async def one(file: Any, note: Any = "n") -> dict[str, Any]:
        data = await file.read()
        return {
            "name": file.filename,
            "type": file.content_type,
            "size": file.size,
            "data": data.decode(),
            "note": note,
        }

    async def many(files: Any) -> list[str | None]:
        return [upload.filename for upload in files]

    async def optional(file: Any = None) -> str | None:
        return file.filename if file is not None else None

    one.__annotations__ = {"file": module.UploadFile, "note": Annotated[str, module.Form()]}
    many.__annotations__ = {"files": list[module.UploadFile]}
    optional.__annotations__ = {"file": module.UploadFile | None}
    app.post("/one")(one)
    app.post("/many")(many)
    app.post("/optional")(optional)
    return app


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/one", {"files": {"file": ("a.txt", b"hi", "text/plain")}, "data": {"note": "x"}}),
        ("/one", {"data": {"file": "not a file"}}),
        ("/one", {}),
        ("/many", {"files": [("files", ("a", b"1")), ("files", ("b", b"2"))]}),
        ("/optional", {}),
        ("/optional", {"files": {"file": ("z", b"")}}),
    ],
)
def test_upload_file_endpoints_match_fastapi(path: str, kwargs: dict[str, Any]) -> None:
    import fastapi
    from fastapi.testclient import TestClient as FastAPIClient

    import zephyr
    from zephyr.testclient import TestClient

    with TestClient(_upload_app(zephyr)) as ours, FastAPIClient(_upload_app(fastapi)) as theirs:
        got, expected = ours.post(path, **kwargs), theirs.post(path, **kwargs)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_upload_file_openapi_schema_matches_fastapi() -> None:
    import fastapi

    import zephyr

    ours = _upload_app(zephyr).openapi()["components"]["schemas"]
    theirs = _upload_app(fastapi).openapi()["components"]["schemas"]
    assert ours == theirs


def test_state_without_init_does_not_recurse() -> None:
    bare = object.__new__(State)
    assert not hasattr(bare, "anything")
    assert not hasattr(bare, "__dict__")


def test_an_upload_takes_attributes_of_its_own() -> None:
    # As on Starlette's: a test may replace a method on one upload, or a library tag it.
    upload: Any = UploadFile(io.BytesIO(b"x"))
    upload.read = "patched"
    upload.tag = 1
    assert (upload.read, upload.tag) == ("patched", 1)
    other: Any = UploadFile(io.BytesIO())
    assert other.read != "patched"


def test_upload_file_validate_takes_fastapis_info_argument() -> None:
    upload = zd.UploadFile(io.BytesIO(b"x"), filename="a.txt")
    assert zd.UploadFile._validate(upload, {}) is upload
    with pytest.raises(ValueError, match="Expected UploadFile"):
        zd.UploadFile._validate("not a file", {})


def test_an_upload_field_takes_starlettes_uploads_as_fastapis_does() -> None:
    # A library may build Starlette's FormData (and uploads) itself and hand it to FastAPI's extraction functions.
    from starlette.datastructures import UploadFile as StarletteUploadFile

    theirs: Any = StarletteUploadFile(io.BytesIO(b"x"), filename="a.txt")
    assert pydantic.TypeAdapter(UploadFile).validate_python(theirs) is theirs
    with pytest.raises(pydantic.ValidationError, match="Expected UploadFile"):
        pydantic.TypeAdapter(UploadFile).validate_python(io.BytesIO(b"x"))


def test_an_upload_passes_isinstance_against_starlettes_upload_class() -> None:
    from starlette.datastructures import UploadFile as StarletteUploadFile

    upload: Any = UploadFile(io.BytesIO(b"x"), filename="a.txt")
    assert [isinstance(upload, cls) for cls in (StarletteUploadFile, UploadFile)] == [True, True]
    assert type(upload) is UploadFile  # its own class, methods and slots are unchanged
    assert upload.__class__.__mro__[1] is UploadFile and upload.__class__.__name__ == "UploadFile"
    assert not isinstance(io.BytesIO(), StarletteUploadFile)

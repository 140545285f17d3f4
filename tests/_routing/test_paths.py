"""``compile_path``: the pure path compiler, tested without a server."""

from __future__ import annotations

import uuid

import pytest

from zephyr._routing.paths import compile_path, route_path
from zephyr.exceptions import FastAPIError


def test_a_static_path_matches_only_itself() -> None:
    compiled = compile_path("/users/me")
    assert compiled.is_static
    assert compiled.match("/users/me") == {}
    assert compiled.match("/users/me/") is None
    assert compiled.prefix == ()


def test_parameters_are_matched_and_converted() -> None:
    compiled = compile_path("/n/{i:int}/{f:float}/{u:uuid}/{s}")
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert compiled.match(f"/n/3/2.5/{value}/x") == {"i": 3, "f": 2.5, "u": value, "s": "x"}
    assert compiled.match("/n/x/2.5/{value}/x") is None
    assert [name for name, _ in compiled.conversions] == ["i", "f", "u"]  # str is kept as matched
    assert (compiled.slashes, compiled.prefix, compiled.format) == (5, ("n",), "/n/{i}/{f}/{u}/{s}")


def test_a_path_parameter_matches_any_number_of_segments() -> None:
    compiled = compile_path("/files/{name:path}")
    assert compiled.match("/files/a/b.txt") == {"name": "a/b.txt"}
    assert compiled.match("/files/") == {"name": ""}
    assert (compiled.slashes, compiled.prefix) == (None, ("files",))


def test_the_prefix_stops_at_the_first_segment_holding_a_parameter() -> None:
    assert compile_path("/api/v1/item-{id}/x").prefix == ("api", "v1")
    assert compile_path("/{lang}/about").prefix == ()


def test_a_wrong_slash_count_is_refused_before_the_regex() -> None:
    compiled = compile_path("/a/{x}")
    assert compiled.match("/a/b/c") is None
    assert "regex" not in vars(compiled)  # the regex was never compiled for it


def test_build_fills_parameters_and_checks_their_values() -> None:
    compiled = compile_path("/u/{user_id:int}/{slug}")
    assert compiled.build({"user_id": 5, "slug": "me", "extra": 1}) == ("/u/5/me", {"extra": 1})
    with pytest.raises(ValueError, match="Negative integers"):
        compiled.build({"user_id": -1, "slug": "me"})
    with pytest.raises(ValueError, match="contain no '/'"):
        compiled.build({"user_id": 1, "slug": "a/b"})
    assert compile_path("/f/{x:float}").build({"x": 1.5}) == ("/f/1.5", {})
    with pytest.raises(ValueError, match="finite non-negative"):
        compile_path("/f/{x:float}").build({"x": float("nan")})


def test_configuration_errors_say_what_to_do() -> None:
    with pytest.raises(FastAPIError, match=r"Unknown path convertor 'date'.*use one of"):
        compile_path("/d/{when:date}")
    with pytest.raises(FastAPIError, match="Duplicated param name 'x'"):
        compile_path("/d/{x}/{x}")


def test_route_path_strips_the_root_path() -> None:
    assert route_path({"path": "/api/items", "root_path": "/api"}) == "/items"
    assert route_path({"path": "/api", "root_path": "/api"}) == ""
    assert route_path({"path": "/apiary", "root_path": "/api"}) == "/apiary"
    assert route_path({"path": "/items"}) == "/items"

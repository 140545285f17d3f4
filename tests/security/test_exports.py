from __future__ import annotations

import importlib

import fastapi.security
import pytest

import zephyr.security

SUBMODULES = ["api_key", "base", "http", "oauth2", "open_id_connect_url", "utils"]


def test_package_exports_fastapis_names() -> None:
    theirs = {name for name in dir(fastapi.security) if not name.startswith("_") and name[0].isupper()}
    assert set(zephyr.security.__all__) == theirs
    assert list(zephyr.security.__all__) == sorted(zephyr.security.__all__)
    for name in zephyr.security.__all__:
        ours, their = getattr(zephyr.security, name), getattr(fastapi.security, name)
        assert isinstance(ours, type) and ours.__name__ == name  # the class itself, not an alias of another
        assert ours.__module__.startswith("zephyr.security")
        assert {n for n in dir(their) if not n.startswith("_")} <= set(dir(ours)), name


@pytest.mark.parametrize("module", SUBMODULES)
def test_submodules_offer_fastapis_public_names(module: str) -> None:
    ours = importlib.import_module(f"zephyr.security.{module}")
    theirs = importlib.import_module(f"fastapi.security.{module}")
    their_own = {
        name
        for name, value in vars(theirs).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == theirs.__name__
    }
    assert their_own <= set(ours.__all__)
    assert list(ours.__all__) == sorted(ours.__all__)
    for name in ours.__all__:
        assert getattr(ours, name).__module__ == ours.__name__

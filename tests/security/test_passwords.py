from __future__ import annotations

import importlib.util

import pytest

from tests.middleware._client import assert_exported_surface
from zephyr.exceptions import FastAPIError, MissingDependencyError
from zephyr.security.passwords import PasswordHasher

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def test_hash_and_verify() -> None:
    hasher = PasswordHasher(argon2=FAST)
    hashed = hasher.hash("s3cret")
    assert hashed.startswith("$argon2id$")
    assert hashed != hasher.hash("s3cret")  # fresh salt each time
    assert hasher.verify("s3cret", hashed) is True
    assert hasher.verify("wrong", hashed) is False


def test_verify_unknown_hash_format_is_false() -> None:
    hasher = PasswordHasher(argon2=FAST)
    assert hasher.verify("s3cret", "not-a-hash") is False
    assert hasher.verify_and_update("s3cret", "not-a-hash") == (False, None)


def test_verify_and_update_rehashes_outdated_parameters() -> None:
    weak = PasswordHasher(argon2=FAST)
    stronger = PasswordHasher(argon2={**FAST, "time_cost": 2})
    hashed = weak.hash("s3cret")
    assert weak.verify_and_update("s3cret", hashed) == (True, None)
    ok, new_hash = stronger.verify_and_update("s3cret", hashed)
    assert ok is True
    assert new_hash is not None
    assert "t=2" in new_hash
    assert stronger.verify_and_update("s3cret", new_hash) == (True, None)
    assert stronger.verify_and_update("wrong", hashed) == (False, None)


@pytest.mark.anyio
async def test_async_variants_run_in_thread() -> None:
    hasher = PasswordHasher(argon2=FAST)
    hashed = await hasher.ahash("s3cret")
    assert await hasher.averify("s3cret", hashed) is True
    assert await hasher.averify("nope", hashed) is False
    assert await hasher.averify_and_update("s3cret", hashed) == (True, None)
    await hasher.adummy_verify()


def test_dummy_verify_does_a_real_verification_against_a_hash_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # What it is for: a login for an unknown user costs the same as a wrong password, so timing reveals nothing.
    hasher = PasswordHasher(argon2=FAST)
    checked: list[tuple[str, str]] = []
    original = PasswordHasher.verify

    def recording(self: PasswordHasher, password: str, hashed: str) -> bool:
        checked.append((password, hashed))
        return original(self, password, hashed)

    monkeypatch.setattr(PasswordHasher, "verify", recording)
    hasher.dummy_verify()
    hasher.dummy_verify()
    assert len(checked) == 2 and checked[0] == checked[1]  # the same dummy hash both times: made once
    password, dummy_hash = checked[0]
    assert dummy_hash.startswith("$argon2")  # a hash of the hasher's own scheme, so the check costs the same
    assert original(hasher, password, dummy_hash) is False


def test_configuration_errors() -> None:
    with pytest.raises(FastAPIError, match="no scheme"):
        PasswordHasher(schemes=())
    with pytest.raises(FastAPIError, match=r"\['md5'\]"):
        PasswordHasher(schemes=("md5",))
    assert PasswordHasher("argon2", argon2=FAST).schemes == ("argon2",)
    assert repr(PasswordHasher(argon2=FAST)) == "PasswordHasher(schemes=('argon2',))"


@pytest.mark.skipif(importlib.util.find_spec("bcrypt") is not None, reason="bcrypt is installed")
def test_bcrypt_missing_names_the_extra() -> None:
    with pytest.raises(MissingDependencyError, match="pwdlib\\[bcrypt\\]"):
        PasswordHasher(schemes=("argon2", "bcrypt"))


@pytest.mark.skipif(importlib.util.find_spec("bcrypt") is None, reason="bcrypt is not installed")
def test_bcrypt_hashes_migrate_to_argon2() -> None:
    old = PasswordHasher(schemes=("bcrypt",), bcrypt={"rounds": 4})
    hashed = old.hash("s3cret")
    migrating = PasswordHasher(schemes=("argon2", "bcrypt"), argon2=FAST)
    ok, new_hash = migrating.verify_and_update("s3cret", hashed)
    assert ok is True
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$")


def test_exported_surface() -> None:
    import zephyr.security.passwords as module

    assert_exported_surface(module)

"""Password hashing on pwdlib: argon2id by default, bcrypt hashes verified (and upgraded) when enabled.

pwdlib is imported when the first ``PasswordHasher`` is made (``pip install 'zephyr[jwt]'``).

Example:
    ```python
    from zephyr.security.passwords import PasswordHasher

    passwords = PasswordHasher()
    stored = passwords.hash("correct horse battery staple")


    async def authenticate(username: str, password: str) -> User | None:
        user = await users.get(username)
        if user is None:
            await passwords.adummy_verify()  # same time as a real check: no user enumeration by timing
            return None
        ok, new_hash = await passwords.averify_and_update(password, user.password_hash)
        if ok and new_hash is not None:
            await users.set_password_hash(username, new_hash)  # parameters or algorithm changed: rehash
        return user if ok else None
    ```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio.to_thread

from zephyr.exceptions import FastAPIError, MissingDependencyError

__all__ = ("PasswordHasher",)

_SCHEMES = ("argon2", "bcrypt")


def _make_hasher(scheme: str, options: dict[str, Any]) -> Any:
    # pwdlib raises HasherNotAvailable (not an ImportError) from the constructor when the backend is missing.
    from pwdlib.exceptions import HasherNotAvailable

    try:
        if scheme == "argon2":
            from pwdlib.hashers.argon2 import Argon2Hasher

            return Argon2Hasher(**options)
        from pwdlib.hashers.bcrypt import BcryptHasher

        return BcryptHasher(**options)
    except (ImportError, HasherNotAvailable) as exc:
        raise MissingDependencyError(f"pwdlib[{scheme}]", "jwt", f"{scheme} password hashing") from exc


class PasswordHasher:
    """Hash and verify passwords; the first scheme hashes, every scheme verifies.

    ``verify_and_update`` tells when a stored hash should be replaced (an older scheme, or weaker parameters), so
    hashes migrate at the next successful login. The ``a``-prefixed methods run the (deliberately slow) work in a
    worker thread so the event loop keeps serving.

    Example:
        ```python
        passwords = PasswordHasher()  # argon2id
        migrating = PasswordHasher(schemes=("argon2", "bcrypt"))  # verify old bcrypt hashes, rehash to argon2
        fast_for_tests = PasswordHasher(argon2={"time_cost": 1, "memory_cost": 1024})
        ```

    Args:
        schemes: Hash schemes, the first being the one new hashes use: ``"argon2"`` and/or ``"bcrypt"``.
        argon2: Keyword options for pwdlib's ``Argon2Hasher`` (``time_cost``, ``memory_cost``, ``parallelism``...).
        bcrypt: Keyword options for pwdlib's ``BcryptHasher`` (``rounds``, ``prefix``).

    Raises:
        FastAPIError: ``schemes`` is empty or names an unknown scheme.
        MissingDependencyError: pwdlib (or the scheme's backend, argon2-cffi or bcrypt) is not installed.
    """

    __slots__ = ("_dummy_hash", "_hash", "schemes")

    def __init__(
        self,
        schemes: Sequence[str] = ("argon2",),
        *,
        argon2: dict[str, Any] | None = None,
        bcrypt: dict[str, Any] | None = None,
    ) -> None:
        if isinstance(schemes, str):
            schemes = (schemes,)
        if not schemes:
            raise FastAPIError("PasswordHasher(schemes=()) has no scheme; use ('argon2',) or ('argon2', 'bcrypt').")
        unknown = [s for s in schemes if s not in _SCHEMES]
        if unknown:
            raise FastAPIError(f"Unknown password hash scheme(s) {unknown!r}; use 'argon2' and/or 'bcrypt'.")
        try:
            from pwdlib import PasswordHash
        except ImportError as exc:  # pragma: no cover - the test environment has pwdlib
            raise MissingDependencyError("pwdlib", "jwt", "password hashing") from exc
        options = {"argon2": argon2 or {}, "bcrypt": bcrypt or {}}
        self.schemes: tuple[str, ...] = tuple(schemes)
        self._hash = PasswordHash(tuple(_make_hasher(s, options[s]) for s in self.schemes))
        self._dummy_hash: str | None = None

    def hash(self, password: str | bytes) -> str:
        """Hash a password with the first scheme and a fresh salt.

        Args:
            password: The password.

        Returns:
            The encoded hash (it carries its scheme, parameters and salt).
        """
        result: str = self._hash.hash(password)
        return result

    def verify(self, password: str | bytes, hashed: str | bytes) -> bool:
        """Tell whether ``password`` matches ``hashed``, in constant time for the scheme.

        Args:
            password: The password given by the user.
            hashed: The stored hash.

        Returns:
            ``True`` on a match; ``False`` otherwise, including when ``hashed`` is not a hash of an enabled scheme.
        """
        return self.verify_and_update(password, hashed)[0]

    def verify_and_update(self, password: str | bytes, hashed: str | bytes) -> tuple[bool, str | None]:
        """Verify a password and, on a match, rehash it when the stored hash is outdated.

        Args:
            password: The password given by the user.
            hashed: The stored hash.

        Returns:
            ``(matched, new_hash)``: ``new_hash`` is a fresh hash to store, or ``None`` when the stored one is current.
        """
        from pwdlib.exceptions import UnknownHashError

        try:
            matched, updated = self._hash.verify_and_update(password, hashed)
        except UnknownHashError:
            return False, None
        return bool(matched), updated

    def dummy_verify(self) -> None:
        """Spend the time of one verification, for unknown users, so timing does not reveal which users exist."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash("zephyr-dummy-password")
        self.verify("not-the-password", self._dummy_hash)

    async def ahash(self, password: str | bytes) -> str:
        """Like ``hash``, in a worker thread."""
        return await anyio.to_thread.run_sync(self.hash, password)

    async def averify(self, password: str | bytes, hashed: str | bytes) -> bool:
        """Like ``verify``, in a worker thread."""
        return await anyio.to_thread.run_sync(self.verify, password, hashed)

    async def averify_and_update(self, password: str | bytes, hashed: str | bytes) -> tuple[bool, str | None]:
        """Like ``verify_and_update``, in a worker thread."""
        return await anyio.to_thread.run_sync(self.verify_and_update, password, hashed)

    async def adummy_verify(self) -> None:
        """Like ``dummy_verify``, in a worker thread."""
        await anyio.to_thread.run_sync(self.dummy_verify)

    def __repr__(self) -> str:
        return f"PasswordHasher(schemes={self.schemes!r})"

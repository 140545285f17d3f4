"""JSON Web Tokens: issue and verify them with pinned algorithms and rotating keys, and a bearer dependency.

The codec wraps PyJWT (imported lazily; ``pip install 'zephyr[jwt]'``) and closes its sharp edges:

- every key carries its own algorithm, and a token is verified only with the algorithm of the key its ``kid``
  selects; ``alg: none`` and any other algorithm are refused, so HS/RS key confusion (an HS256 token "signed"
  with the RSA public key as the HMAC secret) cannot happen;
- keys rotate by ``kid``: new tokens are signed with the current key, and any known key verifies the tokens it
  signed; a token naming an unknown ``kid`` is refused;
- ``exp``, ``nbf``, ``iat``, ``aud`` and ``iss`` are checked with a leeway, and ``exp`` is required by default.

Example:
    ```python
    from typing import Annotated, Any

    from zephyr import Depends, FastAPI
    from zephyr.security.jwt import JWTBearer, JWTCodec

    codec = JWTCodec("a long random secret", issuer="https://example.com", audience="api")
    bearer = JWTBearer(codec)
    app = FastAPI()


    @app.post("/token")
    async def token() -> dict[str, str]:
        return {"access_token": codec.encode(subject="alice"), "token_type": "bearer"}


    @app.get("/me")
    async def me(claims: Annotated[dict[str, Any], Depends(bearer)]) -> dict[str, Any]:
        return {"user": claims["sub"]}
    ```
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from zephyr.exceptions import FastAPIError, MissingDependencyError, ZephyrError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = (
    "ExpiredTokenError",
    "InvalidTokenError",
    "JWTCodec",
    "JWTKey",
)

SUPPORTED_ALGORITHMS: Final = frozenset(
    {
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES256K",
        "ES384",
        "ES512",
        "EdDSA",
    }
)

_ASYMMETRIC_MARKERS: Final = (b"-----BEGIN", b"ssh-rsa", b"ssh-ed25519", b"ecdsa-sha2-")
_DEFAULT_EXPIRES_IN: Final = timedelta(minutes=15)


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


_UNSET: Final = _Unset()


class InvalidTokenError(ZephyrError, ValueError):
    """A token was refused: malformed, badly signed, with a refused algorithm or key id, or failing a claim check.

    Attributes:
        reason: What was wrong, for logs. Never send it to the client, which should only learn "invalid".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ExpiredTokenError(InvalidTokenError):
    """The token's ``exp`` is in the past (beyond the leeway)."""


def _import_jwt() -> ModuleType:
    try:
        import jwt
    except ImportError as exc:  # pragma: no cover - the test environment has PyJWT
        raise MissingDependencyError("pyjwt", "jwt", "JSON Web Tokens") from exc
    return jwt


def _as_seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _as_timestamp(value: float | datetime | timedelta, now: float) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, timedelta):
        return int(now + value.total_seconds())
    return int(value)


def _looks_asymmetric(key: Any) -> bool:
    raw = key.encode() if isinstance(key, str) else key
    if not isinstance(raw, bytes):
        return True  # a key object (cryptography's RSA/EC/Ed25519 keys) is never an HMAC secret
    return any(marker in raw for marker in _ASYMMETRIC_MARKERS)


@dataclass(frozen=True, slots=True)
class JWTKey:
    """One key of a codec's key set: what signs and verifies tokens with one algorithm.

    Example:
        ```python
        keys = [
            JWTKey("old secret", kid="2025-01"),
            JWTKey("new secret", kid="2025-06"),
        ]
        codec = JWTCodec(keys=keys, current_kid="2025-06")
        ```

    Args:
        key: The signing key: the shared secret for ``HS*``, the private key (PEM text or a ``cryptography`` key
            object) for the asymmetric algorithms. ``None`` for a verify-only key (give ``public_key``).
        algorithm: The one algorithm this key signs and verifies with.
        kid: The key id written in the token header and used to pick the key when verifying.
        public_key: For asymmetric algorithms, the key that verifies; derived from ``key`` when omitted.
    """

    key: Any = None
    algorithm: str = "HS256"
    kid: str | None = None
    public_key: Any = None
    _verify_key: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.algorithm not in SUPPORTED_ALGORITHMS:
            raise FastAPIError(
                f"JWT algorithm {self.algorithm!r} is not accepted (kid={self.kid!r}). "
                f"Use one of: {', '.join(sorted(SUPPORTED_ALGORITHMS))}; 'none' is never accepted."
            )
        if self.key is None and self.public_key is None:
            raise FastAPIError(f"JWTKey(kid={self.kid!r}) has neither a signing key nor a public_key; give one.")
        if self.algorithm.startswith("HS"):
            secret = self.key if self.key is not None else self.public_key
            if _looks_asymmetric(secret):
                raise FastAPIError(
                    f"JWTKey(kid={self.kid!r}, algorithm={self.algorithm!r}) was given a public/private key as "
                    "its HMAC secret, which lets anyone holding the public key forge tokens. Use an RS/ES/PS/EdDSA "
                    "algorithm for key pairs, or a random secret string for HS algorithms."
                )
            if isinstance(secret, str | bytes) and len(secret) == 0:
                raise FastAPIError(f"JWTKey(kid={self.kid!r}) has an empty HMAC secret; use a long random secret.")
            object.__setattr__(self, "_verify_key", secret)
        else:
            object.__setattr__(self, "_verify_key", self.public_key)

    def verify_key(self) -> Any:
        """Return the key that verifies this key's tokens (derived from the private key if needed)."""
        if self._verify_key is None:
            jwt = _import_jwt()
            prepared = jwt.get_algorithm_by_name(self.algorithm).prepare_key(self.key)
            public = prepared.public_key() if hasattr(prepared, "public_key") else prepared
            object.__setattr__(self, "_verify_key", public)
        return self._verify_key


class JWTCodec:
    """Issue and verify JSON Web Tokens with pinned algorithms, rotating keys and registered-claim checks.

    Example:
        ```python
        codec = JWTCodec("secret", issuer="https://example.com", audience="api", leeway=10)
        token = codec.encode({"scope": "items:read"}, subject="alice")
        claims = codec.decode(token)  # raises InvalidTokenError / ExpiredTokenError
        ```

    Args:
        key: A single signing key (shortcut for ``keys=[JWTKey(key, algorithm)]``).
        algorithm: The algorithm of ``key``.
        keys: The key set; each ``JWTKey`` has its own algorithm and ``kid``.
        current_kid: The ``kid`` of the key that signs new tokens; defaults to the last key that can sign.
        issuer: Written as ``iss`` and required on verification when set.
        audience: Written as ``aud`` and required on verification when set (a string or a list of accepted ones;
            the first is written).
        leeway: Seconds (or a ``timedelta``) of clock skew tolerated for ``exp``, ``nbf`` and ``iat``.
        expires_in: Default lifetime of issued tokens; ``None`` issues tokens without ``exp``.
        required_claims: Claims a token must carry to be accepted (``exp`` by default).
        max_token_size: Tokens longer than this many characters are refused before being parsed.

    Raises:
        FastAPIError: The key set is empty, a ``kid`` repeats, or ``current_kid`` is unknown.
    """

    __slots__ = (
        "_by_kid",
        "_jwt",
        "_signing",
        "audience",
        "expires_in",
        "issuer",
        "keys",
        "leeway",
        "max_token_size",
        "required_claims",
    )

    def __init__(
        self,
        key: Any = None,
        *,
        algorithm: str = "HS256",
        keys: Sequence[JWTKey] = (),
        current_kid: str | None = None,
        issuer: str | None = None,
        audience: str | Sequence[str] | None = None,
        leeway: float | timedelta = 0,
        expires_in: float | timedelta | None = _DEFAULT_EXPIRES_IN,
        required_claims: Sequence[str] = ("exp",),
        max_token_size: int = 8192,
    ) -> None:
        self._jwt = _import_jwt()
        all_keys = list(keys)
        if key is not None:
            all_keys.append(JWTKey(key, algorithm=algorithm, kid=current_kid if not keys else None))
        if not all_keys:
            raise FastAPIError("JWTCodec needs a key: JWTCodec('secret') or JWTCodec(keys=[JWTKey(...), ...]).")
        by_kid: dict[str | None, JWTKey] = {}
        for item in all_keys:
            if item.kid in by_kid:
                raise FastAPIError(f"JWTCodec was given two keys with kid={item.kid!r}; every kid must be unique.")
            by_kid[item.kid] = item
        if len(all_keys) > 1 and None in by_kid:
            raise FastAPIError("JWTCodec with several keys needs a kid on every key, to know which one verifies.")
        signers = [item for item in all_keys if item.key is not None]
        if current_kid is not None:
            if current_kid not in by_kid or by_kid[current_kid].key is None:
                known = sorted(str(k) for k, v in by_kid.items() if v.key is not None)
                raise FastAPIError(f"current_kid={current_kid!r} is not a signing key of this codec; known: {known}.")
            signing: JWTKey | None = by_kid[current_kid]
        else:
            signing = signers[-1] if signers else None
        self.keys: tuple[JWTKey, ...] = tuple(all_keys)
        self._by_kid = by_kid
        self._signing = signing
        self.issuer = issuer
        self.audience = audience
        self.leeway = _as_seconds(leeway)
        self.expires_in = None if expires_in is None else _as_seconds(expires_in)
        self.required_claims = tuple(required_claims)
        self.max_token_size = max_token_size

    def encode(
        self,
        claims: Mapping[str, Any] | None = None,
        /,
        *,
        subject: str | None = None,
        expires_in: float | timedelta | _Unset | None = _UNSET,
        not_before: float | datetime | timedelta | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """Issue a token signed with the current key.

        ``iat`` is set to now; ``exp``, ``iss`` and ``aud`` come from the codec unless ``claims`` sets them.

        Args:
            claims: The payload's claims.
            subject: Written as ``sub``.
            expires_in: This token's lifetime (seconds or ``timedelta``); ``None`` for no ``exp``.
            not_before: ``nbf``: a timestamp, a ``datetime``, or a ``timedelta`` from now.
            headers: Extra JOSE header fields (``kid`` and ``alg`` are set by the codec).

        Returns:
            The compact JWS string.

        Raises:
            FastAPIError: The codec has only verify-only keys.
        """
        if self._signing is None:
            raise FastAPIError("This JWTCodec has only verify-only keys (no private key); it cannot issue tokens.")
        now = time.time()
        payload: dict[str, Any] = {"iat": int(now)}
        lifetime = self.expires_in if isinstance(expires_in, _Unset) else expires_in
        if lifetime is not None:
            payload["exp"] = int(now + _as_seconds(lifetime))
        if not_before is not None:
            payload["nbf"] = _as_timestamp(not_before, now)
        if self.issuer is not None:
            payload["iss"] = self.issuer
        if self.audience is not None:
            payload["aud"] = self.audience if isinstance(self.audience, str) else self.audience[0]
        if subject is not None:
            payload["sub"] = subject
        if claims:
            payload.update(claims)
        header = dict(headers or {})
        header.pop("alg", None)
        if self._signing.kid is not None:
            header["kid"] = self._signing.kid
        token: str = self._jwt.encode(payload, self._signing.key, algorithm=self._signing.algorithm, headers=header)
        return token

    def _select_key(self, token: str) -> JWTKey:
        try:
            header = self._jwt.get_unverified_header(token)
        except self._jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"malformed token header: {exc}") from exc
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidTokenError(f"kid must be a string, got {kid!r}")
        key = self._by_kid.get(kid)
        if key is None:
            if kid is None:
                raise InvalidTokenError("token has no kid, and this codec's keys all have one")
            raise InvalidTokenError(f"unknown kid {kid!r}")
        alg = header.get("alg")
        if alg != key.algorithm:
            raise InvalidTokenError(f"algorithm {alg!r} refused; key {kid!r} accepts only {key.algorithm!r}")
        return key

    def decode(self, token: str | bytes) -> dict[str, Any]:
        """Verify a token and return its claims.

        Args:
            token: The compact JWS (without the ``Bearer`` prefix).

        Returns:
            The claims.

        Raises:
            ExpiredTokenError: The token has expired.
            InvalidTokenError: Anything else is wrong with it; ``reason`` says what.
        """
        if isinstance(token, bytes):
            token = token.decode("latin-1")
        if len(token) > self.max_token_size:
            raise InvalidTokenError(f"token of {len(token)} characters exceeds max_token_size={self.max_token_size}")
        key = self._select_key(token)
        jwt = self._jwt
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.verify_key(),
                algorithms=[key.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(self.required_claims)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredTokenError("token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"{type(exc).__name__}: {exc}") from exc
        return claims

    def __repr__(self) -> str:
        kids = [k.kid for k in self.keys]
        current = self._signing.kid if self._signing else None
        return f"JWTCodec(kids={kids!r}, current_kid={current!r}, issuer={self.issuer!r}, audience={self.audience!r})"

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

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from zephyr.exceptions import FastAPIError, HTTPException, MissingDependencyError, ZephyrError
from zephyr.param_functions import Depends
from zephyr.requests import HTTPConnection
from zephyr.security.http import HTTPBearer
from zephyr.status import HTTP_401_UNAUTHORIZED

if TYPE_CHECKING:
    from types import ModuleType

__all__ = (
    "ExpiredTokenError",
    "InvalidTokenError",
    "JWTBearer",
    "JWTCodec",
    "JWTKey",
    "SUPPORTED_ALGORITHMS",
    "jwt_user",
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
"""The algorithms a ``JWTKey`` may use; ``none`` is never one of them."""

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
        if expires_in is None and "exp" in required_claims and signing is not None:
            raise FastAPIError(
                "JWTCodec(expires_in=None) would issue tokens without 'exp', which it refuses since 'exp' is in "
                "required_claims. Give tokens a lifetime (expires_in=timedelta(minutes=15)), or accept tokens that "
                "never expire with required_claims=() (not recommended)."
            )
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
        if kid is not None and not isinstance(kid, str):  # pragma: no cover - PyJWT refuses it first
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


def _scopes_of(claims: Mapping[str, Any]) -> set[str]:
    scope = claims.get("scope", claims.get("scopes", claims.get("scp", ())))
    if isinstance(scope, str):
        return set(scope.split())
    if isinstance(scope, list | tuple):
        return {str(item) for item in scope}
    return set()


class JWTBearer(HTTPBearer):
    """A dependency that turns ``Authorization: Bearer <jwt>`` into the verified claims.

    It documents itself in OpenAPI as an HTTP bearer scheme with ``bearerFormat: JWT``. Its answers are FastAPI's:
    a missing (or non-bearer) credential gives 401 ``Not authenticated``; a token that fails verification (bad
    signature, expired, wrong audience...) gives 401 ``Could not validate credentials``, as in FastAPI's OAuth2
    JWT tutorial, both with ``WWW-Authenticate: Bearer``. Why a token failed is never told to the client.

    Example:
        ```python
        bearer = JWTBearer(codec, scopes=["items:read"])


        @app.get("/items")
        async def items(claims: Annotated[dict[str, Any], Depends(bearer)]) -> list[str]:
            return load_items(owner=claims["sub"])
        ```

    Args:
        codec: The ``JWTCodec`` that verifies tokens.
        scopes: Scopes every token must grant (read from the ``scope`` claim, space-separated, or a ``scopes`` or
            ``scp`` list); a token lacking one gets 401 ``Not enough permissions``.
        bearerFormat: The format hint in OpenAPI.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: With ``False``, a request *without* a bearer token gets ``None`` (optional authentication);
            a request with an invalid token is still refused, since its client believes it is authenticated.
    """

    def __init__(
        self,
        codec: JWTCodec,
        *,
        scopes: Sequence[str] = (),
        bearerFormat: str | None = "JWT",  # noqa: N803 - FastAPI's parameter name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            bearerFormat=bearerFormat, scheme_name=scheme_name, description=description, auto_error=auto_error
        )
        self.codec = codec
        self.scopes = tuple(scopes)

    def make_invalid_token_error(self) -> HTTPException:
        """Build the 401 ``Could not validate credentials`` error (override to change it).

        Returns:
            The exception to raise.
        """
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def __call__(self, request: HTTPConnection) -> dict[str, Any] | None:  # type: ignore[override]
        """Verify the bearer token.

        Args:
            request: The request or WebSocket.

        Returns:
            The token's claims, or ``None`` when there is no token and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the token is missing (``auto_error``), invalid, or lacks a required scope.
        """
        credentials = await super().__call__(request)
        if credentials is None:
            return None
        try:
            claims = self.codec.decode(credentials.credentials)
        except InvalidTokenError as exc:
            raise self.make_invalid_token_error() from exc
        if self.scopes:
            missing = [scope for scope in self.scopes if scope not in _scopes_of(claims)]
            if missing:
                raise HTTPException(
                    status_code=HTTP_401_UNAUTHORIZED,
                    detail="Not enough permissions",
                    headers={"WWW-Authenticate": f'Bearer scope="{" ".join(self.scopes)}"'},
                )
        return claims


def jwt_user(
    loader: Callable[[dict[str, Any]], Any] | Callable[[dict[str, Any]], Awaitable[Any]],
    bearer: JWTBearer | JWTCodec,
) -> Callable[..., Awaitable[Any]]:
    """Make a dependency that returns the user a verified token names, loaded by ``loader``.

    Example:
        ```python
        async def load_user(claims: dict[str, Any]) -> User | None:
            return await users.get(claims["sub"])


        CurrentUser = Annotated[User, Depends(jwt_user(load_user, codec))]  # or a JWTBearer(codec, scopes=...)


        @app.get("/me")
        async def me(user: CurrentUser) -> User:
            return user
        ```

    Args:
        loader: Given the claims, returns the user or ``None`` (unknown or disabled user: 401 ``Could not validate
            credentials``). A plain function runs in the thread pool; a coroutine function is awaited.
        bearer: The ``JWTBearer`` that verifies the token (and appears in OpenAPI), or a ``JWTCodec`` to make a
            default one with.

    Returns:
        The dependency callable.
    """
    if isinstance(bearer, JWTCodec):
        bearer = JWTBearer(bearer)
    scheme = bearer
    is_async = inspect.iscoroutinefunction(loader)

    async def current_user(claims: dict[str, Any] | None = Depends(scheme)) -> Any:  # noqa: B008 - FastAPI's idiom
        if claims is None:
            return None  # bearer with auto_error=False and no token
        if is_async:
            user = await loader(claims)
        else:
            from zephyr.concurrency import run_in_threadpool

            user = await run_in_threadpool(loader, claims)
        if user is None:
            raise scheme.make_invalid_token_error()
        return user

    current_user.__name__ = f"jwt_user_{getattr(loader, '__name__', 'loader')}"
    return current_user

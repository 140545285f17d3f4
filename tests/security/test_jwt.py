from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Annotated, Any

import fastapi
import fastapi.security
import jwt as pyjwt
import pytest
from fastapi.testclient import TestClient as FastAPITestClient

from tests.middleware._client import assert_exported_surface
from zephyr import Depends, FastAPI
from zephyr.exceptions import FastAPIError
from zephyr.security.jwt import ExpiredTokenError, InvalidTokenError, JWTBearer, JWTCodec, JWTKey, jwt_user
from zephyr.testclient import TestClient

SECRET = "a-test-secret-that-is-long-enough-for-hs256-hs384-and-hs512-alike!"

# A syntactically valid RSA public key (2048-bit, generated once for these tests).
RSA_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----
"""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_roundtrip_sets_registered_claims() -> None:
    codec = JWTCodec(SECRET, issuer="https://issuer.test", audience="api", expires_in=60)
    before = int(time.time())
    token = codec.encode({"scope": "read"}, subject="alice")
    claims = codec.decode(token)
    assert claims["sub"] == "alice"
    assert claims["scope"] == "read"
    assert claims["iss"] == "https://issuer.test"
    assert claims["aud"] == "api"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 60


def test_expired_token_is_refused() -> None:
    codec = JWTCodec(SECRET)
    token = codec.encode(subject="alice", expires_in=-5)
    with pytest.raises(ExpiredTokenError):
        codec.decode(token)


def test_leeway_accepts_recently_expired_token() -> None:
    issuer = JWTCodec(SECRET)
    token = issuer.encode(subject="alice", expires_in=-5)
    assert JWTCodec(SECRET, leeway=timedelta(seconds=30)).decode(token)["sub"] == "alice"
    with pytest.raises(ExpiredTokenError):
        JWTCodec(SECRET, leeway=1).decode(token)


def test_not_before_in_future_is_refused() -> None:
    codec = JWTCodec(SECRET)
    token = codec.encode(subject="alice", not_before=timedelta(seconds=60))
    with pytest.raises(InvalidTokenError, match="ImmatureSignatureError"):
        codec.decode(token)
    assert JWTCodec(SECRET, leeway=120).decode(token)["sub"] == "alice"


def test_audience_mismatch_is_refused() -> None:
    token = JWTCodec(SECRET, audience="other").encode(subject="alice")
    with pytest.raises(InvalidTokenError, match="InvalidAudienceError"):
        JWTCodec(SECRET, audience="api").decode(token)
    # A token with an audience is refused by a codec that expects none.
    with pytest.raises(InvalidTokenError, match="InvalidAudienceError"):
        JWTCodec(SECRET).decode(token)
    # A list of accepted audiences.
    assert JWTCodec(SECRET, audience=["api", "other"]).decode(token)["aud"] == "other"


def test_issuer_mismatch_is_refused() -> None:
    token = JWTCodec(SECRET, issuer="https://evil.test").encode(subject="alice")
    with pytest.raises(InvalidTokenError, match="InvalidIssuerError"):
        JWTCodec(SECRET, issuer="https://issuer.test").decode(token)


def test_missing_exp_is_refused_by_default() -> None:
    token = JWTCodec(SECRET, expires_in=None, required_claims=()).encode(subject="alice")
    with pytest.raises(InvalidTokenError, match="MissingRequiredClaimError"):
        JWTCodec(SECRET).decode(token)
    assert JWTCodec(SECRET, required_claims=()).decode(token)["sub"] == "alice"


def test_alg_none_is_refused() -> None:
    codec = JWTCodec(SECRET)
    token = forge({"alg": "none", "typ": "JWT"}, {"sub": "mallory", "exp": int(time.time()) + 60}, None)
    with pytest.raises(InvalidTokenError, match="algorithm 'none' refused"):
        codec.decode(token)
    with pytest.raises(FastAPIError, match="'none' is never accepted"):
        JWTKey(SECRET, algorithm="none")


def test_unexpected_algorithm_is_refused() -> None:
    token = JWTCodec(SECRET, algorithm="HS512").encode(subject="alice")
    with pytest.raises(InvalidTokenError, match="algorithm 'HS512' refused"):
        JWTCodec(SECRET, algorithm="HS256").decode(token)


def test_hs_rs_key_confusion_is_refused() -> None:
    # The verifier trusts an RSA public key; the attacker signs HS256 with that public key as the HMAC secret.
    codec = JWTCodec(keys=[JWTKey(public_key=RSA_PUBLIC_PEM, algorithm="RS256")])
    token = forge(
        {"alg": "HS256", "typ": "JWT"}, {"sub": "mallory", "exp": int(time.time()) + 60}, RSA_PUBLIC_PEM.encode()
    )
    with pytest.raises(InvalidTokenError, match="algorithm 'HS256' refused; key None accepts only 'RS256'"):
        codec.decode(token)
    # And a public key can never be configured as an HMAC secret.
    with pytest.raises(FastAPIError, match="HMAC secret"):
        JWTCodec(RSA_PUBLIC_PEM, algorithm="HS256")


def test_tampered_signature_is_refused() -> None:
    codec = JWTCodec(SECRET)
    token = codec.encode(subject="alice")
    head, payload, signature = token.split(".")
    forged_payload = b64(json.dumps({"sub": "mallory", "exp": int(time.time()) + 60}).encode())
    with pytest.raises(InvalidTokenError, match="InvalidSignatureError"):
        codec.decode(f"{head}.{forged_payload}.{signature}")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    with pytest.raises(InvalidTokenError):
        codec.decode(f"{head}.{payload}.{flipped}")
    with pytest.raises(InvalidTokenError, match="InvalidSignatureError"):
        JWTCodec("another-secret-of-reasonable-length-" * 2).decode(token)


def test_kid_rotation_signs_with_current_and_verifies_with_any() -> None:
    old = JWTCodec(keys=[JWTKey("old-secret-xxxxxxxxxxxxxxxxxxxxxxxxx", kid="k1")])
    old_token = old.encode(subject="alice")
    rotated = JWTCodec(
        keys=[
            JWTKey("old-secret-xxxxxxxxxxxxxxxxxxxxxxxxx", kid="k1"),
            JWTKey("new-secret-yyyyyyyyyyyyyyyyyyyyyyy", kid="k2"),
        ],
        current_kid="k2",
    )
    new_token = rotated.encode(subject="bob")
    import jwt

    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert rotated.decode(old_token)["sub"] == "alice"
    assert rotated.decode(new_token)["sub"] == "bob"
    # The old key set does not know k2.
    with pytest.raises(InvalidTokenError, match="unknown kid 'k2'"):
        old.decode(new_token)


def test_unknown_kid_is_refused() -> None:
    codec = JWTCodec(keys=[JWTKey(SECRET, kid="k1")])
    token = forge({"alg": "HS256", "kid": "zzz"}, {"sub": "x", "exp": int(time.time()) + 60}, SECRET.encode())
    with pytest.raises(InvalidTokenError, match="unknown kid 'zzz'"):
        codec.decode(token)
    no_kid = forge({"alg": "HS256"}, {"sub": "x", "exp": int(time.time()) + 60}, SECRET.encode())
    with pytest.raises(InvalidTokenError, match="no kid"):
        codec.decode(no_kid)


def test_malformed_and_oversized_tokens_are_refused() -> None:
    codec = JWTCodec(SECRET, max_token_size=100)
    with pytest.raises(InvalidTokenError, match="malformed"):
        codec.decode("not-a-token")
    with pytest.raises(InvalidTokenError, match="exceeds max_token_size=100"):
        codec.decode("a" * 101)


def test_configuration_errors() -> None:
    with pytest.raises(FastAPIError, match="needs a key"):
        JWTCodec()
    with pytest.raises(FastAPIError, match="kid='a'"):
        JWTCodec(keys=[JWTKey(SECRET, kid="a"), JWTKey(SECRET, kid="a")])
    with pytest.raises(FastAPIError, match="current_kid='b'"):
        JWTCodec(keys=[JWTKey(SECRET, kid="a")], current_kid="b")
    with pytest.raises(FastAPIError, match="kid on every key"):
        JWTCodec(keys=[JWTKey(SECRET), JWTKey(SECRET, kid="a")])
    with pytest.raises(FastAPIError, match="without 'exp'"):
        JWTCodec(SECRET, expires_in=None)
    with pytest.raises(FastAPIError, match="empty HMAC secret"):
        JWTKey("")
    verify_only = JWTCodec(keys=[JWTKey(public_key=RSA_PUBLIC_PEM, algorithm="RS256")])
    with pytest.raises(FastAPIError, match="verify-only"):
        verify_only.encode(subject="x")


def test_rs256_roundtrip_when_cryptography_is_installed() -> None:
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives.asymmetric import rsa  # type: ignore[import-not-found, unused-ignore]

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = JWTCodec(keys=[JWTKey(private, algorithm="RS256", kid="rsa1")])
    verifier = JWTCodec(keys=[JWTKey(public_key=private.public_key(), algorithm="RS256", kid="rsa1")])
    token = signer.encode(subject="alice")
    assert signer.decode(token)["sub"] == "alice"
    assert verifier.decode(token)["sub"] == "alice"


# --- The bearer dependency, in whole apps ---------------------------------------------------------------------

USERS = {"alice": {"name": "Alice"}, "bob": None}


CODEC = JWTCodec(SECRET)
bearer = JWTBearer(CODEC)
optional = JWTBearer(CODEC, auto_error=False, scheme_name="OptionalJWT")
scoped = JWTBearer(CODEC, scopes=["items:write"])


async def load_async(claims: dict[str, Any]) -> dict[str, str] | None:
    return USERS.get(claims["sub"])


def load_sync(claims: dict[str, Any]) -> dict[str, str] | None:
    return USERS.get(claims["sub"])


CurrentUser = Annotated[dict[str, str], Depends(jwt_user(load_async, bearer))]
CurrentUserSync = Annotated[dict[str, str], Depends(jwt_user(load_sync, CODEC))]
MaybeUser = Annotated[Any, Depends(jwt_user(load_async, optional))]
fastapi_bearer = fastapi.security.HTTPBearer(bearerFormat="JWT", scheme_name="JWTBearer")


def zephyr_app() -> FastAPI:
    app = FastAPI()

    @app.get("/claims")
    async def claims(claims: Annotated[dict[str, Any], Depends(bearer)]) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    @app.get("/optional")
    async def maybe(claims: Annotated[dict[str, Any] | None, Depends(optional)]) -> dict[str, Any]:
        return {"sub": claims["sub"] if claims else None}

    @app.get("/write")
    async def write(claims: Annotated[dict[str, Any], Depends(scoped)]) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return user

    @app.get("/me-sync")
    async def me_sync(user: CurrentUserSync) -> dict[str, str]:
        return user

    @app.get("/me-optional")
    async def me_optional(user: MaybeUser) -> dict[str, Any]:
        return {"user": user}

    return app


def fastapi_tutorial_app() -> fastapi.FastAPI:
    """The same endpoint written as FastAPI's OAuth2 JWT tutorial does it."""
    app = fastapi.FastAPI()

    @app.get("/claims")
    async def claims(
        credentials: Annotated[fastapi.security.HTTPAuthorizationCredentials, fastapi.Depends(fastapi_bearer)],
    ) -> dict[str, Any]:
        error = fastapi.HTTPException(401, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})
        try:
            payload = pyjwt.decode(credentials.credentials, SECRET, algorithms=["HS256"], options={"require": ["exp"]})
        except pyjwt.InvalidTokenError:
            raise error from None
        return {"sub": payload["sub"]}

    return app


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_bearer_matches_fastapi_tutorial() -> None:
    codec = JWTCodec(SECRET)
    good = codec.encode(subject="alice")
    expired = codec.encode(subject="alice", expires_in=-10)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    none_alg = forge({"alg": "none"}, {"sub": "mallory", "exp": int(time.time()) + 60}, None)
    cases: list[dict[str, str]] = [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        auth(good),
        auth(expired),
        auth(tampered),
        auth(none_alg),
        auth("garbage"),
    ]
    ours = TestClient(zephyr_app())
    theirs = FastAPITestClient(fastapi_tutorial_app())
    for headers in cases:
        a, b = ours.get("/claims", headers=headers), theirs.get("/claims", headers=headers)
        assert (a.status_code, a.json(), a.headers.get("www-authenticate")) == (
            b.status_code,
            b.json(),
            b.headers.get("www-authenticate"),
        ), headers


def test_bearer_answers() -> None:
    client = TestClient(zephyr_app())
    codec = JWTCodec(SECRET)
    missing = client.get("/claims")
    assert (missing.status_code, missing.json()) == (401, {"detail": "Not authenticated"})
    assert missing.headers["www-authenticate"] == "Bearer"
    bad = client.get("/claims", headers=auth("x.y.z"))
    assert (bad.status_code, bad.json()) == (401, {"detail": "Could not validate credentials"})
    assert client.get("/claims", headers=auth(codec.encode(subject="alice"))).json() == {"sub": "alice"}


def test_optional_bearer() -> None:
    client = TestClient(zephyr_app())
    codec = JWTCodec(SECRET)
    assert client.get("/optional").json() == {"sub": None}
    assert client.get("/optional", headers=auth(codec.encode(subject="alice"))).json() == {"sub": "alice"}
    # An invalid token is refused even when authentication is optional.
    assert client.get("/optional", headers=auth("x.y.z")).status_code == 401
    assert client.get("/me-optional").json() == {"user": None}


def test_required_scopes() -> None:
    client = TestClient(zephyr_app())
    codec = JWTCodec(SECRET)
    reader = codec.encode({"scope": "items:read"}, subject="alice")
    writer = codec.encode({"scope": "items:read items:write"}, subject="alice")
    listed = codec.encode({"scopes": ["items:write"]}, subject="alice")
    refused = client.get("/write", headers=auth(reader))
    assert (refused.status_code, refused.json()) == (401, {"detail": "Not enough permissions"})
    assert refused.headers["www-authenticate"] == 'Bearer scope="items:write"'
    assert client.get("/write", headers=auth(writer)).json() == {"sub": "alice"}
    assert client.get("/write", headers=auth(listed)).json() == {"sub": "alice"}
    no_scope = codec.encode(subject="alice")
    assert client.get("/write", headers=auth(no_scope)).status_code == 401


def test_jwt_user_loads_user() -> None:
    client = TestClient(zephyr_app())
    codec = JWTCodec(SECRET)
    for path in ("/me", "/me-sync"):
        assert client.get(path, headers=auth(codec.encode(subject="alice"))).json() == {"name": "Alice"}
        unknown = client.get(path, headers=auth(codec.encode(subject="bob")))
        assert (unknown.status_code, unknown.json()) == (401, {"detail": "Could not validate credentials"})
        assert unknown.headers["www-authenticate"] == "Bearer"
        assert client.get(path).status_code == 401


def test_bearer_in_openapi() -> None:
    bearer = JWTBearer(JWTCodec(SECRET), description="Access token")
    assert bearer.scheme_name == "JWTBearer"
    assert bearer.model.model_dump(mode="json", exclude_none=True, by_alias=True) == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token",
    }


def test_exported_surface() -> None:
    import zephyr.security.jwt as module

    assert_exported_surface(module)


def test_edge_inputs() -> None:
    from datetime import datetime, timezone

    codec = JWTCodec(SECRET, required_claims=())
    now = int(time.time())
    token = codec.encode(not_before=datetime.fromtimestamp(now - 10, tz=timezone.utc), expires_in=60)
    assert pyjwt.decode(token, options={"verify_signature": False})["nbf"] == now - 10
    assert codec.decode(codec.encode(not_before=now - 5).encode())["nbf"] == now - 5
    bad_kid = forge({"alg": "HS256", "kid": 7}, {"exp": now + 60}, SECRET.encode())
    with pytest.raises(InvalidTokenError, match="must be a string"):
        codec.decode(bad_kid)
    with pytest.raises(FastAPIError, match="neither a signing key nor a public_key"):
        JWTKey(None)
    with pytest.raises(FastAPIError, match="HMAC secret"):
        JWTKey(object())  # a key object is never an HMAC secret
    assert repr(codec) == "JWTCodec(kids=[None], current_kid=None, issuer=None, audience=None)"
    assert "UNSET" in repr(JWTCodec.encode.__kwdefaults__["expires_in"])  # type: ignore[index]


def test_scopes_claim_of_unexpected_type_grants_nothing() -> None:
    client = TestClient(zephyr_app())
    token = CODEC.encode({"scope": 42}, subject="alice")
    assert client.get("/write", headers=auth(token)).status_code == 401


def test_openapi_documents_bearer_scheme_like_fastapi() -> None:
    ours = TestClient(zephyr_app()).get("/openapi.json").json()
    theirs = FastAPITestClient(fastapi_tutorial_app()).get("/openapi.json").json()
    assert ours["components"]["securitySchemes"]["JWTBearer"] == theirs["components"]["securitySchemes"]["JWTBearer"]
    assert ours["components"]["securitySchemes"]["JWTBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert ours["paths"]["/claims"]["get"]["security"] == theirs["paths"]["/claims"]["get"]["security"]
    assert ours["paths"]["/me"]["get"]["security"] == [{"JWTBearer": []}]


def test_optional_dependencies_are_imported_lazily() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import zephyr.security.jwt, zephyr.security.passwords, zephyr.middleware.sessions, zephyr.middleware.csrf\n"
        "import zephyr.middleware.limits, zephyr.middleware.proxy_headers, zephyr.middleware.request_id\n"
        "import zephyr.middleware.timing\n"
        "print(sorted(m for m in ('jwt', 'pwdlib', 'itsdangerous', 'jinja2', 'argon2') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    assert result.stdout.strip() == "[]"

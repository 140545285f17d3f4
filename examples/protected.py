"""``/protected`` behind ``HTTPBearer``, the token checked with PyJWT: the article's authentication example.

``POST /token`` trades a username and password (try ``ada`` / ``lovelace``) for a signed JWT that expires after
``TOKEN_MINUTES``; ``GET /protected`` answers only with ``Authorization: Bearer <token>``. A missing header, a
malformed, tampered, expired or wrongly signed token, or one whose algorithm is not HS256 is answered 401 with
``WWW-Authenticate: Bearer``, and with a message that says which.

Why PyJWT and not python-jose, which the article uses: python-jose went without a release from 2021 to 2025 while
security reports against it stayed open (CVE-2024-33663, algorithm confusion with OpenSSH ECDSA keys, and
CVE-2024-33664, a JWE "decompression bomb"), and FastAPI's own tutorial moved to PyJWT for that reason. PyJWT is
maintained, typed, and makes the caller name the accepted algorithms on every decode, so a token cannot pick its
own. (Zephyr's ``zephyr.security.jwt.JWTBearer`` wraps the same checks, with key rotation; this example spells
them out.)

Settings from the environment (pydantic-settings): ``JWT_SECRET`` (required in production: at least 32 bytes; a
development default is used otherwise), ``TOKEN_MINUTES`` (default 30).

Run it: ``JWT_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))') zephyr run examples.protected:app``,
then ``TOKEN=$(curl -s -X POST localhost:8000/token -d username=ada -d password=lovelace | jq -r .access_token)`` and
``curl localhost:8000/protected -H "Authorization: Bearer $TOKEN"``.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import jwt
from pydantic import Field
from pydantic_settings import BaseSettings

from zephyr import Depends, FastAPI, HTTPException, Request, status
from zephyr.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordRequestForm

__all__ = ("AppSettings", "Settings", "app", "create_app", "current_claims", "get_settings", "verify_token")

ALGORITHM = "HS256"


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    jwt_secret: str = Field(default="development-only-secret-" + "x" * 16, min_length=32)
    token_minutes: int = 30


USERS = {"ada": "lovelace"}
"""A stand-in for a user table: never store plain passwords (see ``zephyr.security.passwords``)."""

bearer = HTTPBearer(auto_error=False)  # our own 401s below, with a message that says what was wrong


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def verify_token(token: str, secret: str) -> dict[str, Any]:
    """Decode and check a token: the HS256 signature, an ``exp`` in the future and a ``sub``.

    Raises:
        HTTPException: 401, saying why the token was refused.
    """
    try:
        return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise _unauthorized("Token expired") from None
    except jwt.InvalidTokenError as exc:
        raise _unauthorized(f"Invalid token: {exc}") from None


def get_settings(request: Request) -> Settings:
    """The app's settings, as a dependency."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]


async def current_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], settings: AppSettings
) -> dict[str, Any]:
    """The verified token's claims; 401 without a valid token."""
    if credentials is None:
        raise _unauthorized("Not authenticated")
    return verify_token(credentials.credentials, settings.jwt_secret)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment's."""
    app = FastAPI(title="Protected API")
    app.state.settings = settings or Settings()

    @app.post("/token")
    async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], settings: AppSettings) -> dict[str, Any]:
        """A token for a known user."""
        expected = USERS.get(form.username, "")
        if not (expected and hmac.compare_digest(expected, form.password)):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Incorrect username or password")
        expires = datetime.now(timezone.utc) + timedelta(minutes=settings.token_minutes)
        encoded = jwt.encode({"sub": form.username, "exp": expires}, settings.jwt_secret, algorithm=ALGORITHM)
        return {"access_token": encoded, "token_type": "bearer", "expires_in": settings.token_minutes * 60}

    @app.get("/protected", responses={401: {"description": "Missing or invalid bearer token"}})
    async def protected(claims: Annotated[dict[str, Any], Depends(current_claims)]) -> dict[str, Any]:
        """Only for a valid token's holder."""
        return {"message": f"Hello {claims['sub']}", "expires": claims["exp"]}

    return app


app = create_app()

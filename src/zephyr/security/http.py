"""HTTP authentication schemes read from the ``Authorization`` header: Basic, Bearer, Digest and any other."""

import binascii
from base64 import b64decode

from pydantic import BaseModel

from zephyr.exceptions import HTTPException
from zephyr.openapi.models import HTTPBase as HTTPBaseModel
from zephyr.openapi.models import HTTPBearer as HTTPBearerModel
from zephyr.requests import HTTPConnection
from zephyr.security.base import SecurityBase
from zephyr.security.utils import _header, get_authorization_scheme_param
from zephyr.status import HTTP_401_UNAUTHORIZED

__all__ = (
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
)


class HTTPBasicCredentials(BaseModel):
    """The user name and password sent with HTTP Basic authentication (what ``HTTPBasic`` returns)."""

    username: str
    """The user name, before the first ``:``."""
    password: str
    """The password, everything after the first ``:``."""


class HTTPAuthorizationCredentials(BaseModel):
    """The scheme and credentials of an ``Authorization`` header (what ``HTTPBearer`` and ``HTTPDigest`` return).

    For ``Authorization: Bearer abc``, ``scheme`` is ``"Bearer"`` and ``credentials`` is ``"abc"``.
    """

    scheme: str
    """The authentication scheme, as sent (case preserved)."""
    credentials: str
    """The rest of the header value: the token, or the digest parameters."""


class HTTPBase(SecurityBase):
    """Any HTTP authentication scheme; the dependency returns ``HTTPAuthorizationCredentials`` for any scheme.

    Example:
        ```python
        hoba = HTTPBase(scheme="hoba")


        @app.get("/me")
        async def me(auth: Annotated[HTTPAuthorizationCredentials, Depends(hoba)]) -> dict[str, str]:
            return {"scheme": auth.scheme, "credentials": auth.credentials}
        ```

    Args:
        scheme: The scheme documented in OpenAPI (``"basic"``, ``"bearer"``, ``"digest"``, ...).
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the header is missing (``True``), or return ``None`` so the endpoint decides.
    """

    model: HTTPBaseModel

    def __init__(
        self, *, scheme: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        self.model = HTTPBaseModel(scheme=scheme, description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        """Build the ``WWW-Authenticate`` header of the 401 answer (the scheme, title-cased).

        Returns:
            The headers.
        """
        return {"WWW-Authenticate": self.model.scheme.title()}

    def make_not_authenticated_error(self) -> HTTPException:
        """Build the error raised when the credentials are missing or unusable: 401 ``Not authenticated``.

        Override it to answer differently (for example 403, as FastAPI did before 0.122).

        Returns:
            The exception to raise.
        """
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED, detail="Not authenticated", headers=self.make_authenticate_headers()
        )

    def _credentials(self, request: HTTPConnection, expected_scheme: str | None) -> HTTPAuthorizationCredentials | None:
        authorization: str | None = _header(request, b"authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials) or (
            expected_scheme is not None and scheme.lower() != expected_scheme
        ):
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        """Read the ``Authorization`` header, whatever its scheme.

        Args:
            request: The request or WebSocket.

        Returns:
            The scheme and credentials, or ``None`` when absent and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the header or its credentials are absent and ``auto_error`` is on.
        """
        return self._credentials(request, None)


class HTTPBasic(HTTPBase):
    """HTTP Basic authentication; the dependency returns ``HTTPBasicCredentials``.

    A header that is present but not valid Basic credentials (bad base64, not ASCII, no ``:``) is always answered
    with 401, even with ``auto_error=False``, as in FastAPI.

    Example:
        ```python
        basic = HTTPBasic(realm="shop")


        @app.get("/me")
        async def me(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> dict[str, str]:
            return {"username": credentials.username}
        ```

    Args:
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        realm: The realm sent in ``WWW-Authenticate`` (``Basic realm="..."``).
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the header is missing (``True``), or return ``None`` so the endpoint decides.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBaseModel(scheme="basic", description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.realm = realm
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        """Build the ``WWW-Authenticate`` header: ``Basic``, with the realm when there is one.

        Returns:
            The headers.
        """
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    async def __call__(  # type: ignore[override]
        self, request: HTTPConnection
    ) -> HTTPBasicCredentials | None:
        """Read and decode HTTP Basic credentials.

        Args:
            request: The request or WebSocket.

        Returns:
            The user name and password, or ``None`` when the header is absent or of another scheme and
            ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the credentials are absent (with ``auto_error``) or cannot be decoded.
        """
        authorization: str | None = _header(request, b"authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "basic":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        try:
            data = b64decode(param).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise self.make_not_authenticated_error() from exc
        username, separator, password = data.partition(":")
        if not separator:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """HTTP Bearer authentication; the dependency returns ``HTTPAuthorizationCredentials`` (the token unchecked).

    Example:
        ```python
        bearer = HTTPBearer(bearerFormat="JWT")


        @app.get("/me")
        async def me(auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> dict[str, str]:
            return {"token": auth.credentials}
        ```

    Args:
        bearerFormat: A hint of the token's format for OpenAPI (``"JWT"``).
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the header is missing or not ``Bearer`` (``True``), or return ``None``.
    """

    model: HTTPBearerModel

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,  # noqa: N803 - FastAPI's parameter name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBearerModel(bearerFormat=bearerFormat, description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        """Read a bearer token.

        Args:
            request: The request or WebSocket.

        Returns:
            The scheme and token, or ``None`` when absent or of another scheme and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the token is absent or of another scheme and ``auto_error`` is on.
        """
        return self._credentials(request, "bearer")


class HTTPDigest(HTTPBase):
    """HTTP Digest authentication; the dependency returns the header's parameters, without verifying the digest.

    Example:
        ```python
        digest = HTTPDigest()


        @app.get("/me")
        async def me(auth: Annotated[HTTPAuthorizationCredentials, Depends(digest)]) -> dict[str, str]:
            return {"parameters": auth.credentials}
        ```

    Args:
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the header is missing or not ``Digest`` (``True``), or return ``None``.
    """

    def __init__(
        self, *, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        self.model = HTTPBaseModel(scheme="digest", description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        """Read Digest credentials (not verified).

        Args:
            request: The request or WebSocket.

        Returns:
            The scheme and parameters, or ``None`` when absent or of another scheme and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when they are absent or of another scheme and ``auto_error`` is on.
        """
        return self._credentials(request, "digest")

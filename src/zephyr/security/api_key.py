"""API-key security schemes: a key read from a header, a query parameter or a cookie."""

from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.openapi.models import APIKey, APIKeyIn
from zephyr.requests import HTTPConnection
from zephyr.security.base import SecurityBase
from zephyr.security.utils import _header
from zephyr.status import HTTP_401_UNAUTHORIZED

__all__ = ("APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery")


class APIKeyBase(SecurityBase):
    """Common part of the API-key schemes; use ``APIKeyHeader``, ``APIKeyQuery`` or ``APIKeyCookie``.

    Args:
        location: Where the key is sent.
        name: The header, query parameter or cookie name.
        description: The scheme's description in OpenAPI.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        auto_error: Answer 401 when the key is missing (``True``), or return ``None`` so the endpoint decides.
    """

    model: APIKey

    def __init__(
        self, location: APIKeyIn, name: str, description: str | None, scheme_name: str | None, auto_error: bool
    ) -> None:
        self.model = APIKey(**{"in": location}, name=name, description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """Build the error raised when the key is missing: 401 with ``WWW-Authenticate: APIKey``.

        Override it to answer differently (for example 403, as FastAPI did before 0.122).

        Returns:
            The exception to raise.
        """
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED, detail="Not authenticated", headers={"WWW-Authenticate": "APIKey"}
        )

    def check_api_key(self, api_key: str | None) -> str | None:
        """Return the key, or handle its absence according to ``auto_error``.

        Args:
            api_key: The value read from the request, ``None`` or empty when absent.

        Returns:
            The key, or ``None`` when it is absent and ``auto_error`` is off.

        Raises:
            HTTPException: The key is absent and ``auto_error`` is on.
        """
        if not api_key:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return api_key


class APIKeyQuery(APIKeyBase):
    """An API key in a query parameter; the dependency returns the key.

    Example:
        ```python
        api_key = APIKeyQuery(name="api_key")


        @app.get("/items")
        async def items(key: Annotated[str, Depends(api_key)]) -> dict[str, str]:
            return {"key": key}
        ```

    Args:
        name: The query parameter's name.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the key is missing (``True``), or return ``None`` so the endpoint decides.
    """

    def __init__(
        self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        super().__init__(APIKeyIn.query, name, description, scheme_name, auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        """Read the key from the query string.

        Args:
            request: The request or WebSocket.

        Returns:
            The key, or ``None`` when it is absent and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the key is absent and ``auto_error`` is on.
        """
        return self.check_api_key(request.query_params.get(self.model.name))


class APIKeyHeader(APIKeyBase):
    """An API key in a request header; the dependency returns the key.

    Example:
        ```python
        api_key = APIKeyHeader(name="X-API-Key")


        @app.get("/items")
        async def items(key: Annotated[str, Depends(api_key)]) -> dict[str, str]:
            return {"key": key}
        ```

    Args:
        name: The header's name.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the key is missing (``True``), or return ``None`` so the endpoint decides.
    """

    def __init__(
        self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        super().__init__(APIKeyIn.header, name, description, scheme_name, auto_error)
        try:
            self._header_name = name.lower().encode("latin-1")
        except UnicodeEncodeError:
            raise FastAPIError(
                f"APIKeyHeader(name={name!r}): HTTP header names are ASCII; choose a name such as 'X-API-Key'."
            ) from None

    async def __call__(self, request: HTTPConnection) -> str | None:
        """Read the key from the request headers.

        Args:
            request: The request or WebSocket.

        Returns:
            The key, or ``None`` when it is absent and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the key is absent and ``auto_error`` is on.
        """
        return self.check_api_key(_header(request, self._header_name))


class APIKeyCookie(APIKeyBase):
    """An API key in a cookie; the dependency returns the key.

    Example:
        ```python
        session_key = APIKeyCookie(name="session")


        @app.get("/me")
        async def me(key: Annotated[str, Depends(session_key)]) -> dict[str, str]:
            return {"key": key}
        ```

    Args:
        name: The cookie's name.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the key is missing (``True``), or return ``None`` so the endpoint decides.
    """

    def __init__(
        self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        super().__init__(APIKeyIn.cookie, name, description, scheme_name, auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        """Read the key from the request cookies.

        Args:
            request: The request or WebSocket.

        Returns:
            The key, or ``None`` when it is absent and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the key is absent and ``auto_error`` is on.
        """
        return self.check_api_key(request.cookies.get(self.model.name))

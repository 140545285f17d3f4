"""The OpenID Connect security scheme."""

from zephyr.exceptions import HTTPException
from zephyr.openapi.models import OpenIdConnect as OpenIdConnectModel
from zephyr.requests import HTTPConnection
from zephyr.security.base import SecurityBase
from zephyr.security.utils import _header
from zephyr.status import HTTP_401_UNAUTHORIZED

__all__ = ("OpenIdConnect",)


class OpenIdConnect(SecurityBase):
    """OpenID Connect: documents the discovery URL; the dependency returns the whole ``Authorization`` value.

    It does not validate the token: decode and check it in a dependency of your own that depends on this one.

    Example:
        ```python
        oidc = OpenIdConnect(openIdConnectUrl="https://id.example.com/.well-known/openid-configuration")


        @app.get("/me")
        async def me(authorization: Annotated[str, Depends(oidc)]) -> dict[str, str]:
            return {"authorization": authorization}
        ```

    Args:
        openIdConnectUrl: The OpenID Connect discovery URL.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the header is missing (``True``), or return ``None`` so the endpoint decides.
    """

    model: OpenIdConnectModel

    def __init__(
        self,
        *,
        openIdConnectUrl: str,  # noqa: N803 - FastAPI's parameter name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = OpenIdConnectModel(openIdConnectUrl=openIdConnectUrl, description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """Build the error raised when the header is missing: 401 with ``WWW-Authenticate: Bearer``.

        Returns:
            The exception to raise.
        """
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        """Read the ``Authorization`` header.

        Args:
            request: The request or WebSocket.

        Returns:
            The whole header value, or ``None`` when it is absent and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the header is absent and ``auto_error`` is on.
        """
        authorization: str | None = _header(request, b"authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization

"""OAuth2 security schemes, the password-flow form, and ``SecurityScopes``."""

from typing import Annotated, Any

from zephyr.exceptions import HTTPException
from zephyr.openapi.models import OAuth2 as OAuth2Model
from zephyr.openapi.models import OAuthFlows as OAuthFlowsModel
from zephyr.param_functions import Form
from zephyr.requests import HTTPConnection
from zephyr.security.base import SecurityBase
from zephyr.security.utils import _header, get_authorization_scheme_param
from zephyr.status import HTTP_401_UNAUTHORIZED

__all__ = (
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "SecurityScopes",
)


class OAuth2PasswordRequestForm:
    """The form a client posts to the token endpoint in the OAuth2 password flow; use it as a dependency.

    ``scope`` arrives as one space-separated string and is exposed split, as ``scopes``.

    Example:
        ```python
        @app.post("/token")
        async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
            user = authenticate(form.username, form.password)
            return {"access_token": issue_token(user, form.scopes), "token_type": "bearer"}
        ```

    Args:
        grant_type: ``"password"`` when sent; any other value is refused. Optional here, required by
            ``OAuth2PasswordRequestFormStrict``.
        username: The user name.
        password: The password.
        scope: Space-separated scopes the client asks for.
        client_id: The client's id, when the client sends it in the form.
        client_secret: The client's secret, when the client sends it in the form.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """``OAuth2PasswordRequestForm`` with ``grant_type`` required, as the OAuth2 specification asks.

    Example:
        ```python
        @app.post("/token")
        async def token(form: Annotated[OAuth2PasswordRequestFormStrict, Depends()]) -> dict[str, str]:
            return {"access_token": issue_token(form.username, form.scopes), "token_type": "bearer"}
        ```

    Args:
        grant_type: Must be ``"password"``.
        username: The user name.
        password: The password.
        scope: Space-separated scopes the client asks for.
        client_id: The client's id, when the client sends it in the form.
        client_secret: The client's secret, when the client sends it in the form.
    """

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OAuth2(SecurityBase):
    """A generic OAuth2 scheme with explicit ``flows``; the dependency returns the whole ``Authorization`` value.

    Prefer ``OAuth2PasswordBearer`` or ``OAuth2AuthorizationCodeBearer``, or subclass this one.

    Example:
        ```python
        oauth2 = OAuth2(flows={"clientCredentials": {"tokenUrl": "token", "scopes": {"jobs": "Run jobs."}}})


        @app.get("/jobs")
        async def jobs(authorization: Annotated[str, Depends(oauth2)]) -> dict[str, str]:
            return {"authorization": authorization}
        ```

    Args:
        flows: The OAuth2 flows, as an ``OAuthFlows`` model or a dict of the same shape.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the header is missing (``True``), or return ``None`` so the endpoint decides.
    """

    model: OAuth2Model

    def __init__(
        self,
        *,
        flows: OAuthFlowsModel | dict[str, dict[str, Any]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        if flows is None:
            flows = OAuthFlowsModel()
        self.model = OAuth2Model(flows=flows, description=description)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """Build the error raised when the token is missing: 401 with ``WWW-Authenticate: Bearer``.

        Override it to answer differently (for example 403, as FastAPI did before 0.122).

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

    def _bearer_token(self, request: HTTPConnection) -> str | None:
        authorization: str | None = _header(request, b"authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return param


class OAuth2PasswordBearer(OAuth2):
    """OAuth2 password flow: reads ``Authorization: Bearer <token>`` and returns the token (unchecked).

    Example:
        ```python
        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"items:read": "Read items."})


        @app.get("/me")
        async def me(token: Annotated[str, Depends(oauth2_scheme)]) -> dict[str, str]:
            return {"token": token}
        ```

    Args:
        tokenUrl: The URL where clients post ``OAuth2PasswordRequestForm`` to get a token (relative URLs are
            resolved by the docs UI against the page).
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        scopes: Scope name -> description, documented in OpenAPI.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the token is missing (``True``), or return ``None`` so the endpoint decides.
        refreshUrl: The URL to refresh a token, documented in OpenAPI.
    """

    def __init__(
        self,
        tokenUrl: str,  # noqa: N803 - FastAPI's parameter name
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,  # noqa: N803 - FastAPI's parameter name
    ) -> None:
        flows = OAuthFlowsModel.model_validate(
            {"password": {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": scopes or {}}}
        )
        super().__init__(flows=flows, scheme_name=scheme_name, description=description, auto_error=auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        """Read the bearer token.

        Args:
            request: The request or WebSocket.

        Returns:
            The token, or ``None`` when absent or not ``Bearer`` and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the token is absent or not ``Bearer`` and ``auto_error`` is on.
        """
        return self._bearer_token(request)


class OAuth2AuthorizationCodeBearer(OAuth2):
    """OAuth2 authorization-code flow: reads ``Authorization: Bearer <token>`` and returns the token (unchecked).

    Example:
        ```python
        oauth2_scheme = OAuth2AuthorizationCodeBearer(authorizationUrl="/authorize", tokenUrl="/token")


        @app.get("/me")
        async def me(token: Annotated[str, Depends(oauth2_scheme)]) -> dict[str, str]:
            return {"token": token}
        ```

    Args:
        authorizationUrl: The URL where the user authorizes the client.
        tokenUrl: The URL where the client exchanges the code for a token.
        refreshUrl: The URL to refresh a token, documented in OpenAPI.
        scheme_name: The scheme's name in OpenAPI; defaults to the class name.
        scopes: Scope name -> description, documented in OpenAPI.
        description: The scheme's description in OpenAPI.
        auto_error: Answer 401 when the token is missing (``True``), or return ``None`` so the endpoint decides.
    """

    def __init__(
        self,
        authorizationUrl: str,  # noqa: N803 - FastAPI's parameter name
        tokenUrl: str,  # noqa: N803 - FastAPI's parameter name
        refreshUrl: str | None = None,  # noqa: N803 - FastAPI's parameter name
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flows = OAuthFlowsModel.model_validate(
            {
                "authorizationCode": {
                    "authorizationUrl": authorizationUrl,
                    "tokenUrl": tokenUrl,
                    "refreshUrl": refreshUrl,
                    "scopes": scopes or {},
                }
            }
        )
        super().__init__(flows=flows, scheme_name=scheme_name, description=description, auto_error=auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        """Read the bearer token.

        Args:
            request: The request or WebSocket.

        Returns:
            The token, or ``None`` when absent or not ``Bearer`` and ``auto_error`` is off.

        Raises:
            HTTPException: 401 when the token is absent or not ``Bearer`` and ``auto_error`` is on.
        """
        return self._bearer_token(request)


class SecurityScopes:
    """The scopes required by the ``Security(...)`` dependencies along the chain that led to a dependency.

    Declare a parameter ``security_scopes: SecurityScopes`` in a dependency and the dependency injector fills it;
    check a token's scopes against it and name the missing ones in ``WWW-Authenticate``.

    Example:
        ```python
        async def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]):
            granted = decode(token)["scopes"]
            for scope in security_scopes.scopes:
                if scope not in granted:
                    raise HTTPException(
                        status_code=401,
                        detail="Not enough permissions",
                        headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
                    )
        ```

    Args:
        scopes: The required scopes.
    """

    __slots__ = ("scope_str", "scopes")

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = scopes or []
        """The required scopes, outermost dependency first."""
        self.scope_str: str = " ".join(self.scopes)
        """The scopes joined by spaces, as OAuth2 writes them."""

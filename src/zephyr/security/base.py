"""The base class of the security schemes."""

from zephyr.openapi.models import SecurityBase as SecurityBaseModel

__all__ = ("SecurityBase",)


class SecurityBase:
    """Base of every security scheme: a dependency that also documents itself in OpenAPI.

    The OpenAPI generator reads ``model`` (the scheme's entry under ``components.securitySchemes``) and
    ``scheme_name`` (its key there, the class name unless given). Subclass it to write a scheme of your own; the
    generator documents any dependency that is an instance of it.

    Example:
        ```python
        class SignedHeader(SecurityBase):
            def __init__(self) -> None:
                self.model = APIKey(**{"in": APIKeyIn.header}, name="X-Signature")
                self.scheme_name = "SignedHeader"

            async def __call__(self, request: Request) -> str:
                return verify(request.headers.get("X-Signature"))
        ```
    """

    model: SecurityBaseModel
    """The OpenAPI description of the scheme."""
    scheme_name: str
    """The scheme's name in ``components.securitySchemes`` and in the operations' ``security``."""

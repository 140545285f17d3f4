"""Helpers shared by the security schemes."""

from typing import Any

__all__ = ("get_authorization_scheme_param",)


def _header(connection: Any, name: bytes) -> str | None:
    """Return the first value of header ``name`` (lowercase bytes), as ``connection.headers.get`` would.

    Reads ``scope["headers"]`` directly: building the ``Headers`` view costs more than the whole check.
    """
    for key, value in connection.scope["headers"]:
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """Split an ``Authorization`` header value into its scheme and its parameter.

    Example:
        ```python
        get_authorization_scheme_param("Bearer abc.def")  # ("Bearer", "abc.def")
        get_authorization_scheme_param(None)  # ("", "")
        ```

    Args:
        authorization_header_value: The header's value, or ``None`` when it is absent.

    Returns:
        ``(scheme, parameter)``: the text before the first space, and the rest without surrounding whitespace;
        ``("", "")`` for an absent or empty header.
    """
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()

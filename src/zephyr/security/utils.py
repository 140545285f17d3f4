"""Helpers shared by the security schemes."""

__all__ = ("get_authorization_scheme_param",)


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

"""The functions users call to declare parameters: ``Query()``, ``Path()``, ``Body()``, ``Depends()``...

Each returns a marker from :mod:`zephyr.params`. They are typed as returning ``Any`` so that
``q: str = Query(default="x")`` type-checks, as with FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic_core import PydanticUndefined
from typing_extensions import Unpack

from zephyr import params
from zephyr.params import FieldKwargs

__all__ = ("Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security")


def Path(default: Any = ..., **kwargs: Unpack[FieldKwargs]) -> Any:  # noqa: N802 - FastAPI's public name
    """Declare a path parameter, with optional validation constraints."""
    return params.Path(default, **kwargs)


def Query(default: Any = PydanticUndefined, **kwargs: Unpack[FieldKwargs]) -> Any:  # noqa: N802 - FastAPI's name
    """Declare a query-string parameter, with optional default and validation constraints."""
    return params.Query(default, **kwargs)


def Header(  # noqa: N802 - FastAPI's public name
    default: Any = PydanticUndefined, *, convert_underscores: bool = True, **kwargs: Unpack[FieldKwargs]
) -> Any:
    """Declare a header parameter; ``x_token`` reads ``x-token`` unless ``convert_underscores=False``."""
    return params.Header(default, convert_underscores=convert_underscores, **kwargs)


def Cookie(default: Any = PydanticUndefined, **kwargs: Unpack[FieldKwargs]) -> Any:  # noqa: N802 - FastAPI's name
    """Declare a cookie parameter."""
    return params.Cookie(default, **kwargs)


def Body(  # noqa: N802 - FastAPI's public name
    default: Any = PydanticUndefined,
    *,
    embed: bool | None = None,
    media_type: str = "application/json",
    **kwargs: Unpack[FieldKwargs],
) -> Any:
    """Declare a JSON body field; ``embed=True`` nests a single model under its parameter name."""
    return params.Body(default, embed=embed, media_type=media_type, **kwargs)


def Form(  # noqa: N802 - FastAPI's public name
    default: Any = PydanticUndefined,
    *,
    media_type: str = "application/x-www-form-urlencoded",
    **kwargs: Unpack[FieldKwargs],
) -> Any:
    """Declare a form field (urlencoded or multipart). Needs python-multipart."""
    return params.Form(default, media_type=media_type, **kwargs)


def File(  # noqa: N802 - FastAPI's public name
    default: Any = PydanticUndefined, *, media_type: str = "multipart/form-data", **kwargs: Unpack[FieldKwargs]
) -> Any:
    """Declare an uploaded file, received as ``bytes`` or ``UploadFile``. Needs python-multipart."""
    return params.File(default, media_type=media_type, **kwargs)


def Depends(  # noqa: N802 - FastAPI's public name
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
    max_concurrency: int | None = None,
) -> Any:
    """Declare a dependency: its result is passed as the parameter's value.

    Args:
        dependency: The callable to call; when omitted, the parameter's annotation (a class) is called.
        use_cache: Reuse one result per request when the same dependency appears several times.
        scope: For ``yield`` dependencies, when their exit code runs: ``"request"`` (default, after the response is
            sent) or ``"function"`` (right after the endpoint returns).
        max_concurrency: At most this many calls of this declaration run at once; the next waits (without a worker
            thread). A ``yield`` dependency counts until its exit code has run. Reuse the same ``Depends()`` object
            (an ``Annotated`` alias) to share the limit; each event loop has its own. ``None``: no limit.
    """
    return params.Depends(dependency=dependency, use_cache=use_cache, scope=scope, max_concurrency=max_concurrency)


def Security(  # noqa: N802 - FastAPI's public name
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
) -> Any:
    """Declare a security dependency with OAuth2 ``scopes`` (collected into ``SecurityScopes``)."""
    return params.Security(dependency=dependency, scopes=scopes, use_cache=use_cache)

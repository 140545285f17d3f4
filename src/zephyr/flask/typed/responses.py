"""Flask's view return values, turned into Zephyr responses: ``make_response``, ``jsonify``, ``abort``, ``redirect``.

A Flask-style view may return what a Flask view returns:

- ``str``/``bytes``: an HTML page (``text/html; charset=utf-8``);
- ``dict``/``list``: JSON, serialized as Flask does (sorted keys, compact, trailing newline);
- a generator or iterator of ``str``/``bytes``: a streamed HTML response;
- a ``Response`` object, used as it is;
- a tuple ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, NoReturn

from zephyr.exceptions import HTTPException
from zephyr.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

__all__ = ("InternalServerError", "abort", "jsonify", "make_response", "redirect")

_TUPLE_ERROR = (
    "The view function did not return a valid response tuple. The tuple must have the form (body, status, headers), "
    "(body, status), or (body, headers); got a tuple of {size} items."
)


class InternalServerError(HTTPException):
    """What an ``errorhandler(500)`` receives for an exception no other handler took (as in Flask).

    Attributes:
        original_exception: The exception the view (or a hook) raised.
    """

    def __init__(self, original_exception: BaseException | None = None) -> None:
        super().__init__(500)
        self.original_exception = original_exception


class _AbortResponse(HTTPException):
    """Raised by ``abort(response)``: the response is sent as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _encode_other(value: Any) -> Any:
    from zephyr.encoders import jsonable_encoder

    return jsonable_encoder(value)


# Flask's default JSON provider: sorted keys, compact separators, ASCII only (and a trailing newline, added below).
# Values json cannot encode (datetimes, models, UUIDs...) go through jsonable_encoder.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_encode_other)


def _json_body(value: Any) -> bytes:
    return (_ENCODER.encode(value) + "\n").encode("ascii")


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response, as Flask's ``jsonify``: one argument as it is, several as a list, keywords as an object.

    Args:
        *args: The value, or several values for a list.
        **kwargs: Keys and values for an object.

    Returns:
        A ``Response`` with ``content-type: application/json``.

    Raises:
        TypeError: Both positional and keyword arguments were given.
    """
    if args and kwargs:
        raise TypeError("jsonify() behavior undefined when passed both args and kwargs; pass one or the other.")
    value: Any = (args[0] if len(args) == 1 else list(args)) if args else (kwargs or None)
    return Response(_json_body(value), media_type="application/json")


def abort(status: int | Response, description: Any = None) -> NoReturn:
    """Stop the request with an HTTP error (``abort(404)``) or with a ready response (``abort(response)``).

    Args:
        status: The status code, or a ``Response`` to send.
        description: The error detail (defaults to the status phrase).

    Raises:
        HTTPException: Always.
    """
    if isinstance(status, Response):
        raise _AbortResponse(status)
    raise HTTPException(status, detail=description)


def redirect(location: str, code: int = 302) -> Response:
    """A redirect response, as Flask's ``redirect`` (``302 Found`` by default).

    Args:
        location: The URL to redirect to.
        code: The redirect status code.

    Returns:
        A ``RedirectResponse``.
    """
    return RedirectResponse(location, status_code=code)


def _status_code(status: Any) -> int:
    if isinstance(status, int):
        return status
    if isinstance(status, (str, bytes)):
        text = status.decode("latin-1") if isinstance(status, bytes) else status
        head = text.strip().split(" ", 1)[0]
        if head.isdigit():
            return int(head)
    raise TypeError(f"The response status must be an int or a string such as '404 Not Found'; got {status!r}.")


def _apply_headers(response: Response, headers: Any, replace: bool) -> None:
    """Add ``headers`` to ``response`` as Flask does.

    A new response gets every given header (as Werkzeug's ``Response(headers=...)``); a returned ``Response`` has
    them replaced (as ``Headers.update``: a header named again replaces the existing values).
    """
    target = response.headers
    has_items = isinstance(headers, Mapping) or hasattr(headers, "items")
    items: Iterable[tuple[Any, Any]] = headers.items() if has_items else headers
    for key, value in items:
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        if replace and key in target:
            del target[key]
        for each in values:
            target.append(str(key), str(each))


def _encode_chunks(chunks: Iterable[Any]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)


async def _encode_async_chunks(chunks: AsyncIterable[Any]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)


def _body_response(body: Any, endpoint: str) -> Response:
    if isinstance(body, Response):
        return body
    if isinstance(body, (str, bytes, bytearray)):
        return HTMLResponse(bytes(body) if isinstance(body, bytearray) else body)
    if isinstance(body, (dict, list)):
        return Response(_json_body(body), media_type="application/json")
    if isinstance(body, AsyncIterable):
        return StreamingResponse(_encode_async_chunks(body), media_type="text/html")
    if isinstance(body, Iterator):
        return StreamingResponse(_encode_chunks(body), media_type="text/html")
    if body is None:
        raise TypeError(
            f"The view function for {endpoint!r} did not return a valid response. The function either returned None "
            "or ended without a return statement. Return a string, dict, list, tuple or Response."
        )
    raise TypeError(
        f"The view function for {endpoint!r} did not return a valid response. The return type must be a string, "
        f"dict, list, tuple with headers or status, Response instance, or generator; got {type(body).__name__}."
    )


def make_response(rv: Any, endpoint: str = "<view>") -> Response:
    """Turn a Flask view's return value into a ``Response``, as ``flask.Flask.make_response`` does.

    Args:
        rv: What the view returned (see the module docstring).
        endpoint: The view's endpoint name, for error messages.

    Returns:
        The response.

    Raises:
        TypeError: ``rv`` is ``None``, a tuple of the wrong size, or of a type a view cannot return.
    """
    status: Any = None
    headers: Any = None
    if isinstance(rv, tuple):
        size = len(rv)
        if size == 3:
            rv, status, headers = rv
        elif size == 2:
            if isinstance(rv[1], (Mapping, tuple, list)) or hasattr(rv[1], "items"):
                rv, headers = rv
            else:
                rv, status = rv
        else:
            raise TypeError(_TUPLE_ERROR.format(size=size))
    response = _body_response(rv, endpoint)
    if status is not None:
        response.status_code = code = _status_code(status)
        if (code < 200 or code == 204) and "content-length" in response.headers:
            # These statuses have no body, and no Content-Length (RFC 9110), as Werkzeug sends them.
            del response.headers["content-length"]
            response.body = b""
    if headers:
        _apply_headers(response, headers, replace=isinstance(rv, Response))
    return response

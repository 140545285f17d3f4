"""The server's direct target: what Zephyr's own server adapters offer a Zephyr route past ASGI's messages.

Zephyr's HTTP protocol for uvicorn (:mod:`zephyr._protocol`) and its RSGI adapter (:mod:`zephyr._rsgi`) put the
request's cycle in the scope under :data:`DIRECT_RESPONSE` while the app's stack is its own error boundary. A route
then takes the shortcuts below only while the ``receive`` and ``send`` it was given are still the cycle's (nothing
wrapped them): the request and the response are exactly what the ASGI messages would carry, with fewer steps.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

__all__ = ("DIRECT_RESPONSE", "DirectTarget")

DIRECT_RESPONSE: Final = "zephyr.direct_response"
"""The scope key of the server adapter's cycle (a :class:`DirectTarget`)."""


class DirectTarget(Protocol):
    """A server adapter's request cycle, as a route uses it directly."""

    async def receive(self) -> Any:
        """The ASGI ``receive`` the app was given."""

    async def send(self, message: Any) -> None:
        """The ASGI ``send`` the app was given."""

    def respond_json(self, status: int, body: bytes, sized: bool, head: bool, extra: Any) -> None:
        """Send a whole JSON response at once: the same status, headers and body as the two ASGI messages."""

    def take_body(self) -> bytes | None:
        """The whole request body when it is all in and no part of it was received yet, marked received; else None.

        ``None`` means "read it through ``receive``", which then behaves as if this was never called.
        """

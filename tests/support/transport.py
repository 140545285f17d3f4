"""A transport for feeding request bytes to a server protocol in-process (no socket)."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ("RecordingTransport",)


class RecordingTransport(asyncio.Transport):
    """Keeps what the protocol writes; reports a loopback peer; never closes nor pauses."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

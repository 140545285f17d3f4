"""A minimal HTTP/1.1 client for bursts: many truly concurrent requests, one connection each, on 127.0.0.1.

httpx needs about a millisecond of CPU per request; thousands of concurrent requests would measure the client.
This one writes a request, reads to EOF (``Connection: close``) and parses the status line and headers. Every
request is bounded by a timeout; a request that times out or fails comes back with ``status`` 0.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.timing import no_collections

__all__ = ("Reply", "burst", "fetch", "load", "run_burst", "run_load")


@dataclass
class Reply:
    """One answer: the status (0 when the request failed or timed out), headers, body and time taken."""

    path: str
    status: int
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    elapsed: float = 0.0
    error: str = ""

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (lower case), or ``None``."""
        values = self.headers.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


async def fetch(port: int, path: str, *, headers: Iterable[tuple[str, str]] = (), timeout: float = 30.0) -> Reply:
    """GET ``path`` from ``127.0.0.1:port`` on a new connection."""
    started = time.monotonic()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    try:
        raw = await asyncio.wait_for(exchange(), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        return Reply(path, 0, elapsed=time.monotonic() - started, error=f"{type(exc).__name__}: {exc}")
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ")
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    parsed: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in (parsed.get("transfer-encoding") or [""])[-1]:
        body = _dechunk(body)
    return Reply(path, status, parsed, body, time.monotonic() - started)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


async def burst(
    port: int,
    paths: Sequence[str],
    *,
    headers: Iterable[tuple[str, str]] = (),
    each: Sequence[Sequence[tuple[str, str]]] | None = None,
    timeout: float = 60.0,
) -> list[Reply]:
    """Send one request per entry of ``paths``, all at once, and return the replies in the same order.

    Args:
        port: The server's port on 127.0.0.1.
        paths: One path (with query) per request.
        headers: Headers sent with every request.
        each: Extra headers per request, aligned with ``paths``.
        timeout: The most each request may take.
    """
    fixed = list(headers)
    extra = each if each is not None else [()] * len(paths)
    requests = (
        fetch(port, path, headers=[*fixed, *more], timeout=timeout) for path, more in zip(paths, extra, strict=True)
    )
    return list(await asyncio.gather(*requests))


def run_burst(
    port: int,
    paths: Sequence[str],
    *,
    headers: Iterable[tuple[str, str]] = (),
    each: Sequence[Sequence[tuple[str, str]]] | None = None,
    timeout: float = 60.0,
) -> list[Reply]:
    """:func:`burst`, from synchronous code."""
    with no_collections():
        return asyncio.run(burst(port, paths, headers=headers, each=each, timeout=timeout))


async def load(
    port: int,
    requests: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    duration: float,
    concurrency: int,
    max_requests: int = 5_000,
    timeout: float = 30.0,
) -> list[Reply]:
    """Keep ``concurrency`` requests in flight for ``duration`` seconds (at most ``max_requests`` in all).

    Args:
        port: The server's port on 127.0.0.1.
        requests: ``(path, headers)`` pairs, sent in turn, round and round.
        duration: How long to keep starting requests.
        concurrency: How many requests are in flight at once.
        max_requests: A bound on the number of requests, whatever the duration.
        timeout: The most each request may take.
    """
    replies: list[Reply] = []
    stop_at = time.monotonic() + duration

    async def client(offset: int) -> None:
        index = offset
        while time.monotonic() < stop_at and len(replies) < max_requests:
            path, headers = requests[index % len(requests)]
            replies.append(await fetch(port, path, headers=headers, timeout=timeout))
            index += concurrency

    await asyncio.gather(*(client(offset) for offset in range(concurrency)))
    return replies


def run_load(
    port: int,
    requests: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    duration: float,
    concurrency: int,
    max_requests: int = 5_000,
    timeout: float = 30.0,
) -> list[Reply]:
    """:func:`load`, from synchronous code."""
    with no_collections():
        return asyncio.run(
            load(port, requests, duration=duration, concurrency=concurrency, max_requests=max_requests, timeout=timeout)
        )

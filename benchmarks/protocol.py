"""The server's own cost per request, in-process: request bytes fed to a protocol over a fake transport.

No sockets and no client: ``CONNECTIONS`` protocol instances get one request each per round, and the loop runs
until every response is written. What is left is what the protocol (parsing, the request cycle, framing) and the
app cost together, with uvicorn's ``HttpToolsProtocol`` and Zephyr's protocol side by side on the same app::

    python -m benchmarks.protocol --requests 20000
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from typing import Any

__all__ = ("FakeTransport", "main", "measure")

CONNECTIONS = 50
"""Connections served at once (the load generator keeps about this many busy)."""

_S3_BODY = json.dumps({"name": "Ada Lovelace", "email": "ada@example.com", "age": 36}).encode()
REQUESTS = {
    "S1": b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "S2": b"GET /users/42?limit=10&q=abc HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "S3": b"POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b"
    % (len(_S3_BODY), _S3_BODY),
}
"""One request per scenario, as wrk sends them."""

PROTOCOLS = {
    "uvicorn": "uvicorn.protocols.http.httptools_impl:HttpToolsProtocol",
    "guarded": "zephyr._server:GuardedHttpToolsProtocol",
    "zephyr": "zephyr._protocol:ZephyrHttpProtocol",
}


class FakeTransport(asyncio.Transport):
    """A transport that counts what is written and remembers the last write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.last = b""
        self.closed = False
        self.protocol: Any = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: Any) -> None:
        self.writes += 1
        self.last = bytes(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol


async def measure(app: str, protocol: str, request: bytes, rounds: int, profile: bool = False) -> tuple[float, bytes]:
    """Serve ``rounds`` x ``CONNECTIONS`` requests; return microseconds per request and the last response.

    Args:
        app: The app's import string.
        protocol: The protocol class's import string.
        request: One request's bytes.
        rounds: How many requests each connection serves.
        profile: Print a cProfile of the measured rounds.
    """
    import uvicorn
    from uvicorn.importer import import_from_string
    from uvicorn.server import ServerState

    config = uvicorn.Config(app, http=protocol, lifespan="off", access_log=False, log_level="warning")
    config.load()
    state = ServerState()
    state.default_headers = [(b"date", b"Mon, 07 Dec 2026 12:00:00 GMT"), *config.encoded_headers]
    cls = import_from_string(protocol)
    loop = asyncio.get_running_loop()
    pairs = []
    for _ in range(CONNECTIONS):
        proto = cls(config=config, server_state=state, app_state={}, _loop=loop)
        transport = FakeTransport()
        proto.connection_made(transport)
        pairs.append((proto, transport))

    async def one_round() -> None:
        target = state.total_requests + CONNECTIONS
        for proto, _ in pairs:
            proto.data_received(request)
        for _ in range(1000):
            await asyncio.sleep(0)
            if state.total_requests >= target:
                return
        raise RuntimeError("the responses did not all come")

    for _ in range(20):  # warm up (and build the middleware stack)
        await one_round()
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(rounds):
        await one_round()
    if profiler:
        profiler.disable()
    elapsed = time.process_time() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    for proto, _ in pairs:
        proto.connection_lost(None)
    return elapsed / (rounds * CONNECTIONS) * 1e6, pairs[0][1].last


def main(argv: list[str] | None = None) -> None:
    """Print µs per request for each protocol and scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="benchmarks.apps.zephyr_app:app")
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--scenarios", nargs="*", default=list(REQUESTS))
    parser.add_argument("--protocols", nargs="*", default=list(PROTOCOLS))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    import uvloop

    for scenario in args.scenarios:
        for name in args.protocols:
            best = min(
                uvloop.run(measure(args.app, PROTOCOLS[name], REQUESTS[scenario], args.rounds))[0] for _ in range(3)
            )
            print(f"{scenario} {name:8} {best:6.2f} µs/request")
            if args.profile:
                uvloop.run(measure(args.app, PROTOCOLS[name], REQUESTS[scenario], args.rounds, profile=True))


if __name__ == "__main__":
    main()

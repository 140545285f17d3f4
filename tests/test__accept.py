"""zephyr._accept: uvloop servers that accept every waiting connection on each readiness (libuv accepts one a turn)."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from zephyr import _accept
from zephyr._accept import BatchedServer, new_event_loop

pytest.importorskip("uvloop")


class Recorder(asyncio.Protocol):
    """Counts the connections made, and echoes what it reads."""

    made: list[Recorder] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport
        Recorder.made.append(self)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data.upper())


def run(main: Callable[[], Awaitable[None]]) -> None:
    loop = new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    Recorder.made = []


async def _turns_until(count: int, limit: int) -> int:
    """Loop turns taken until ``count`` connections were made (at most ``limit``)."""
    for turn in range(1, limit + 1):
        await asyncio.sleep(0)
        if len(Recorder.made) >= count:
            return turn
    return limit + 1


@asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[tuple[BatchedServer, int]]:
    """A server on 127.0.0.1 made by the running loop, taken over by Zephyr, and its port; closed at the end."""
    server = await asyncio.get_running_loop().create_server(Recorder, "127.0.0.1", 0, **options)
    assert isinstance(server, BatchedServer)
    try:
        yield server, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def _connect_blocking(port: int, count: int) -> list[socket.socket]:
    """``count`` connections whose handshakes the kernel completes while the loop is not running."""
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


def test_a_burst_of_waiting_connections_is_accepted_within_a_few_turns() -> None:
    """With uvloop's own listener, 50 waiting connections take 50 turns; here they are all in within 5."""

    async def main() -> None:
        async with serving(backlog=128) as (_, port):
            clients = _connect_blocking(port, 50)
            try:
                assert await _turns_until(50, 40) <= 5
                assert len(Recorder.made) == 50
            finally:
                for client in clients:
                    client.close()

    run(main)


def test_accepted_connections_are_served_with_tcp_nodelay() -> None:
    async def main() -> None:
        async with serving() as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"hello")
            assert await reader.readexactly(5) == b"HELLO"
            sock = Recorder.made[0].transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert Recorder.made[0].transport.get_extra_info("peername") == writer.get_extra_info("sockname")
            writer.close()

    run(main)


def test_close_stops_accepting_and_leaves_open_connections_alone() -> None:
    async def main() -> None:
        async with serving() as (server, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await _turns_until(1, 10)
            assert server.is_serving()
            assert server.get_loop() is asyncio.get_running_loop()
            server.close()
            server.close()  # twice is harmless (and once more when the block ends)
            await server.wait_closed()
            assert not server.is_serving()
            assert server.sockets == ()
            with pytest.raises(ConnectionRefusedError):
                await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"still here")  # the connection accepted before is still served
            assert await reader.readexactly(10) == b"STILL HERE"
            writer.close()

    run(main)


def test_a_unix_server_is_left_to_uvloop(tmp_path: Any) -> None:
    """uvloop removes a Unix socket's path when its server closes (Python 3.13): its listener is not taken over."""
    path = str(tmp_path / "zephyr.sock")

    async def main() -> None:
        server = await asyncio.get_running_loop().create_unix_server(Recorder, path)
        assert not isinstance(server, BatchedServer)
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b"unix")
        assert await reader.readexactly(4) == b"UNIX"
        writer.close()
        server.close()
        await server.wait_closed()

    run(main)


def _tls_contexts(directory: Any) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for 127.0.0.1, and a client context that trusts it."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def test_tls_connections_are_accepted_in_batches_and_a_failed_handshake_is_dropped(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server_context, client_context = _tls_contexts(tmp_path)

    async def main() -> None:
        async with serving(ssl=server_context, ssl_handshake_timeout=5) as (_, port):
            with socket.create_connection(("127.0.0.1", port)) as plain:  # not TLS: the handshake fails, quietly
                plain.sendall(b"GET / HTTP/1.1\r\n\r\n")
                for _ in range(20):
                    await asyncio.sleep(0.01)
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client_context)
            writer.write(b"secret")
            assert await reader.readexactly(6) == b"SECRET"
            assert Recorder.made[-1].transport.get_extra_info("ssl_object") is not None
            writer.close()

    with caplog.at_level(logging.DEBUG, logger="zephyr.server"):
        run(main)
    assert [record.levelno for record in caplog.records if record.name == "zephyr.server"] == [logging.DEBUG]


def test_a_server_not_started_at_once_is_left_to_uvloop() -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Recorder, "127.0.0.1", 0, start_serving=False)
        assert not isinstance(server, BatchedServer)
        server.close()
        await server.wait_closed()

    run(main)


class _OutOfDescriptors:
    """A listening socket whose first ``accept`` fails as when the process has no file descriptor left."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.failed = False

    def fileno(self) -> int:
        return self.listener.fileno()

    def getsockname(self) -> Any:
        return self.listener.getsockname()

    def accept(self) -> tuple[socket.socket, Any]:
        if not self.failed:
            self.failed = True
            raise OSError(errno.EMFILE, "Too many open files")
        return self.listener.accept()


def test_running_out_of_descriptors_pauses_accepting_then_resumes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_accept, "RETRY_DELAY", 0.05)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with serving() as (server, port):
            listener = server.sockets[0]
            failing: Any = _OutOfDescriptors(listener)
            loop.remove_reader(listener.fileno())
            loop.add_reader(listener.fileno(), server._accept, failing)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(5):  # the accept fails: reading is paused (not retried in a busy loop)
                await asyncio.sleep(0)
            assert failing.failed
            assert Recorder.made == []
            await asyncio.sleep(0.2)  # resumed after the delay: the waiting connection is accepted
            assert len(Recorder.made) == 1
            writer.write(b"ok")
            assert await reader.readexactly(2) == b"OK"
            writer.close()

    with caplog.at_level(logging.ERROR):
        run(main)
    assert any("paused for" in record.getMessage() and "ulimit -n" in record.getMessage() for record in caplog.records)
    assert {record.name for record in caplog.records} == {"zephyr.server"}  # Zephyr's own logger, not FastAPI's


def test_enabled_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEPHYR_BATCH_ACCEPT", raising=False)
    assert _accept.enabled()
    monkeypatch.setenv("ZEPHYR_BATCH_ACCEPT", "0")
    assert not _accept.enabled()


def test_zephyr_run_serves_on_the_batched_loop_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEPHYR_BATCH_ACCEPT", raising=False)
    assert _accept.uvicorn_loop() == {"loop": "zephyr._accept:new_event_loop"}
    monkeypatch.setenv("ZEPHYR_BATCH_ACCEPT", "0")
    assert _accept.uvicorn_loop() == {}

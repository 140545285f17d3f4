from __future__ import annotations

from typing import Any

import pytest

from zephyr.ratelimit.keys import api_key, by_header, by_user, client_ip


class _Conn:
    def __init__(self, client: str | None = "1.2.3.4", headers: dict[str, str] | None = None, **extra: Any) -> None:
        self.scope: dict[str, Any] = {
            "client": (client, 1234) if client else None,
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            **extra,
        }


def test_client_ip_uses_the_peer_address() -> None:
    assert client_ip()(_Conn()) == "ip:1.2.3.4"
    assert client_ip()(_Conn(client=None)) == "ip:unknown"


def test_client_ip_ignores_forwarded_for_without_trusted_proxies() -> None:
    assert client_ip()(_Conn(headers={"X-Forwarded-For": "9.9.9.9"})) == "ip:1.2.3.4"


def test_client_ip_ignores_forwarded_for_from_untrusted_peer() -> None:
    key = client_ip(trusted_proxies=["10.0.0.0/8"])
    assert key(_Conn(headers={"X-Forwarded-For": "9.9.9.9"})) == "ip:1.2.3.4"


def test_client_ip_reads_forwarded_for_from_the_right_skipping_trusted_hops() -> None:
    key = client_ip(trusted_proxies=["10.0.0.0/8", "192.168.1.1"])
    conn = _Conn(client="10.0.0.5", headers={"X-Forwarded-For": "6.6.6.6, 5.5.5.5, 192.168.1.1"})
    assert key(conn) == "ip:5.5.5.5"


def test_client_ip_falls_back_to_peer_when_all_hops_are_trusted_or_header_missing() -> None:
    key = client_ip(trusted_proxies=["10.0.0.0/8"])
    assert key(_Conn(client="10.0.0.5", headers={"X-Forwarded-For": "10.0.0.9"})) == "ip:10.0.0.5"
    assert key(_Conn(client="10.0.0.5")) == "ip:10.0.0.5"
    assert key(_Conn(client="not-an-ip")) == "ip:not-an-ip"


def test_client_ip_rejects_invalid_proxies() -> None:
    with pytest.raises(ValueError, match="Invalid trusted proxy 'nope': give an IP address or a CIDR network"):
        client_ip(trusted_proxies=["nope"])


def test_api_key_hashes_the_header_value_and_falls_back_to_ip() -> None:
    key = api_key()
    first = key(_Conn(headers={"X-API-Key": "secret"}))
    assert isinstance(first, str)
    assert first.startswith("key:")
    assert "secret" not in first
    assert len(first) == 4 + 32
    assert key(_Conn(client="5.5.5.5", headers={"X-API-Key": "secret"})) == first
    assert key(_Conn(headers={"X-API-Key": "other"})) != first
    assert key(_Conn()) == "ip:1.2.3.4"


def test_by_header_with_exempting_fallback() -> None:
    key = by_header("X-Tenant", fallback=lambda conn: None, prefix="tenant")
    assert key(_Conn()) is None
    assert str(key(_Conn(headers={"x-tenant": "acme"}))).startswith("tenant:")


class _User:
    def __init__(self, authenticated: bool, **attributes: str) -> None:
        self.is_authenticated = authenticated
        for name, value in attributes.items():
            setattr(self, name, value)

    def __str__(self) -> str:
        return "plain"


def test_by_user_uses_identity_username_or_display_name() -> None:
    key = by_user()
    assert key(_Conn(user=_User(True, identity="id-1", username="alice"))) == "user:id-1"
    assert key(_Conn(user=_User(True, username="alice"))) == "user:alice"
    assert key(_Conn(user=_User(True, display_name="Alice"))) == "user:Alice"
    assert key(_Conn(user=_User(True))) == "user:plain"


def test_by_user_falls_back_for_anonymous_requests() -> None:
    key = by_user()
    assert key(_Conn(user=_User(False, username="alice"))) == "ip:1.2.3.4"
    assert key(_Conn()) == "ip:1.2.3.4"

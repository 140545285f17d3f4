"""``zephyr._server.protocol_for``; the guards themselves run end to end in ``e2e/test_server_guards``."""

from __future__ import annotations

import pytest

from zephyr._server import GuardedH11Protocol, GuardedHttpToolsProtocol, protocol_for


def test_protocol_for_each_choice() -> None:
    assert protocol_for("h11") == "zephyr._server:GuardedH11Protocol"
    assert protocol_for("httptools") == "zephyr._server:GuardedHttpToolsProtocol"
    assert protocol_for("auto") == "zephyr._server:GuardedHttpToolsProtocol"  # httptools is installed here
    assert GuardedH11Protocol.__name__ == "GuardedH11Protocol"
    assert GuardedHttpToolsProtocol.__name__ == "GuardedHttpToolsProtocol"
    with pytest.raises(ValueError, match=r"^Unknown --http 'h2'; choose auto, h11 or httptools\.$"):
        protocol_for("h2")

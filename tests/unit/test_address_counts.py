"""Connections counted per client address (server/transport/addresses.py)."""

from __future__ import annotations

import pytest

from loket.server.settings import Settings
from loket.server.transport.addresses import AddressCounts, Trusted, address_key


def test_an_address_holds_at_most_the_limit_and_gets_room_back() -> None:
    counts = AddressCounts(2, Trusted(["127.0.0.1"]))
    first, second = counts.take("192.0.2.7"), counts.take("192.0.2.7")
    assert first == second == "192.0.2.7"
    assert counts.take("192.0.2.7") is None  # over: nothing counted
    assert counts.take("192.0.2.8") == "192.0.2.8"  # another address is not held back
    assert counts.open("192.0.2.7") == 2
    counts.give_back(first)
    assert counts.take("192.0.2.7") == "192.0.2.7"
    for key in ("192.0.2.7", "192.0.2.7", "192.0.2.8"):
        counts.give_back(key)
    assert counts.open("192.0.2.7") == counts.open("192.0.2.8") == 0
    assert not counts._open  # nothing kept for addresses with nothing open


def test_trusted_proxies_and_limit_zero_are_not_counted() -> None:
    counts = AddressCounts(1, Trusted(["127.0.0.1", "::1", "10.1.0.0/16"]))
    for proxy in ("127.0.0.1", "::1", "10.1.200.3"):
        assert [counts.take(proxy) for _ in range(5)] == [""] * 5
        counts.give_back("")  # what a connection not counted gives back: nothing
    assert counts.take("127.0.0.2") == "127.0.0.2"  # another loopback address is a client
    assert counts.take("127.0.0.2") is None
    unlimited = AddressCounts(0, Trusted([]))
    assert all(unlimited.take("192.0.2.7") == "" for _ in range(1000))
    everyone = AddressCounts(1, Trusted(["*"]))  # every peer trusted: nobody counted
    assert [everyone.take("192.0.2.7") for _ in range(3)] == [""] * 3


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    """A device can take a new address of its /64 for every connection."""
    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::5") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::5") != address_key("2001:db8:1:2::5")
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_key("testclient") == "testclient"
    counts = AddressCounts(2, Trusted(["127.0.0.1"]))
    assert counts.take("2001:db8::1") and counts.take("2001:db8::2")
    assert counts.take("2001:db8::3") is None


def test_the_bounds_are_read_from_the_environment() -> None:
    defaults = Settings.from_env({})
    assert defaults.connections_per_address == 1000
    assert defaults.display_sockets_per_address == 200
    assert defaults.ticket_sockets_per_address == 500
    assert defaults.request_timeout == 10.0 and defaults.keepalive_timeout == 5
    assert defaults.ws_send_timeout == 30.0
    assert defaults.trusted_proxies == ("127.0.0.1", "::1")
    env = {
        "LOKET_CONNECTIONS_PER_ADDRESS": "50",
        "LOKET_DISPLAY_SOCKETS_PER_ADDRESS": "0",
        "LOKET_TICKET_SOCKETS_PER_ADDRESS": "7",
        "LOKET_REQUEST_TIMEOUT": "2.5",
        "LOKET_KEEPALIVE_TIMEOUT": "15",
        "LOKET_WS_SEND_TIMEOUT": "4",
        "LOKET_TRUSTED_PROXIES": "10.0.0.1",
    }
    settings = Settings.from_env(env)
    assert settings.connections_per_address == 50
    assert settings.display_sockets_per_address == 0
    assert settings.ticket_sockets_per_address == 7
    assert settings.request_timeout == 2.5 and settings.keepalive_timeout == 15
    assert settings.ws_send_timeout == 4.0 and settings.trusted_proxies == ("10.0.0.1",)
    with pytest.raises(ValueError, match="LOKET_REQUEST_TIMEOUT"):
        Settings.from_env({"LOKET_REQUEST_TIMEOUT": "0"})


def test_an_address_at_its_cap_is_logged_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    counts = AddressCounts(1, Trusted([]), "display sockets (X)", clock=lambda: now[0])
    key = counts.take("192.0.2.7")
    assert key is not None
    with caplog.at_level("WARNING", logger="loket"):
        for step in range(120):  # two minutes of refusals, one a second
            now[0] = float(step)
            assert counts.take("192.0.2.7") is None
    warnings = [r.getMessage() for r in caplog.records]
    assert (
        warnings == ["192.0.2.7 holds 1 display sockets (X), the most allowed: refusing more"] * 2
    )
    counts.give_back(key)
    assert not counts._warned  # forgotten with the address's last connection

"""LOKET_TRUSTED_PROXIES / --trusted-proxies: whose X-Forwarded-* headers are believed."""

import pytest

from loket.server.settings import Settings


def proxies(**given: str) -> tuple[str, ...]:
    env = {"LOKET_TRUSTED_PROXIES": given.pop("env")} if "env" in given else {}
    return Settings.from_env(env, **given).trusted_proxies


def test_the_default_is_a_proxy_on_this_machine() -> None:
    assert proxies() == ("127.0.0.1", "::1")


def test_addresses_and_networks_from_the_environment_or_the_flag() -> None:
    assert proxies(env=" 10.0.0.5, 192.168.0.0/16 ,fd00::/8") == (
        "10.0.0.5",
        "192.168.0.0/16",
        "fd00::/8",
    )
    assert proxies(env="10.0.0.5", trusted_proxies="10.0.0.6") == ("10.0.0.6",)  # flag wins


def test_none_or_any() -> None:
    assert proxies(env="") == ()
    assert proxies(trusted_proxies="*") == ("*",)


@pytest.mark.parametrize("wrong", ["10.0.0.300", "nginx.local", "10.0.0.0/33", "*,10.0.0.1"])
def test_a_mistake_stops_start_up(wrong: str) -> None:
    with pytest.raises(ValueError, match="LOKET_TRUSTED_PROXIES"):
        proxies(env=wrong)

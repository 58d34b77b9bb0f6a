"""Store URLs: what each part means, and a clear refusal of one that cannot work."""

import pytest

from loket.server.store import is_shared
from loket.server.store.redis.connection import Address, Sentinels


def test_plain_redis_keeps_its_own_options_and_takes_out_loket_s() -> None:
    address = Address.parse("redis://:s3cret@10.0.0.5:6380/2?replicas=1&ssl_cert_reqs=none")
    assert address.replicas == 1 and address.sentinels is None
    assert address.url == "redis://:s3cret@10.0.0.5:6380/2?ssl_cert_reqs=none"


def test_sentinel_hosts_service_db_and_password() -> None:
    address = Address.parse("redis+sentinel://:pw%40x@s1:26380,s2,10.0.0.9:5000/loket/3")
    assert address.sentinels == Sentinels(
        (("s1", 26380), ("s2", 26379), ("10.0.0.9", 5000)), "loket", 3, "pw@x"
    )
    assert Address.parse("redis+sentinel://s1/loket").sentinels == Sentinels(
        (("s1", 26379),), "loket", 0, None
    )


@pytest.mark.parametrize(
    "url",
    [
        "redis://h:6379/0?replicas=two",
        "redis+sentinel://s1:26379",
        "redis+sentinel://s1:26379/loket/zero",
        "redis+sentinel://s1:port/loket",
        "redis+sentinel://,s2/loket",
        "postgres://h/db",
        "sqlite://relative.db",
    ],
)
def test_urls_that_cannot_work_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        is_shared(url)


def test_the_embedded_store_is_not_shared_and_redis_is() -> None:
    assert not is_shared("sqlite:///loket.db")
    assert is_shared("redis://127.0.0.1:6379/0")
    assert is_shared("redis+sentinel://127.0.0.1:26379/loket/0?replicas=1")

from loket.server.ttlcache import TtlCache


def test_entries_expire_and_can_be_dropped() -> None:
    now = [0.0]
    cache: TtlCache[str, int | None] = TtlCache(30, clock=lambda: now[0])
    assert cache.get("a") == (False, None)
    cache.put("a", 1)
    cache.put("none", None)  # "no such session" is an answer worth remembering too
    assert cache.get("a") == (True, 1) and cache.get("none") == (True, None)
    cache.drop("a")
    assert cache.get("a") == (False, None)
    now[0] = 31
    assert cache.get("none") == (False, None)


def test_the_cache_stays_bounded() -> None:
    cache: TtlCache[int, int] = TtlCache(30, limit=3)
    for key in range(10):
        cache.put(key, key)
    assert cache.get(9) == (True, 9)
    assert sum(cache.get(key)[0] for key in range(10)) <= 3

import asyncio

from starlette.requests import Request

from server.hub import Hub
from server.web.language import choose, offered


def request(query: str = "", accept: str | None = None) -> Request:
    headers = [] if accept is None else [(b"accept-language", accept.encode())]
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_language_choice_follows_the_contract_order() -> None:
    langs = offered(("id", "en", "az"))
    assert langs[:3] == ("id", "en", "az") and "ru" in langs
    assert choose(request("lang=az", "en"), langs) == "az"
    assert choose(request("lang=xx", "ru-RU,ru;q=0.9,en;q=0.5"), langs) == "ru"
    assert choose(request("", "fr;q=1, en;q=0.3, az;q=0.8"), langs) == "az"
    assert choose(request("", "fr, de;q=bad"), langs) == "id"
    assert choose(request(), langs) == "id"


async def test_every_subscriber_gets_every_message_in_order() -> None:
    hub = Hub(limit=10)
    with hub.subscribe("demo") as first, hub.subscribe("demo") as second:
        for seq in range(1, 4):
            hub.publish("demo", (seq, f"m{seq}"))
        hub.publish("other", (1, "elsewhere"))
        for subscriber in (first, second):
            assert [await subscriber.next() for _ in range(3)] == [
                (1, "m1"),
                (2, "m2"),
                (3, "m3"),
            ]
    assert hub.count("demo") == 0


async def test_a_laggard_is_dropped_and_does_not_hold_up_the_others() -> None:
    hub = Hub(limit=5)
    with hub.subscribe("demo") as slow, hub.subscribe("demo") as fast:
        for seq in range(1, 21):
            hub.publish("demo", (seq, "m"))
            assert await asyncio.wait_for(fast.next(), 1) == (seq, "m")
        assert slow.dropped
        drained = [await slow.next() for _ in range(slow.pending())]
        assert drained[-1] is None  # the reader learns it was dropped

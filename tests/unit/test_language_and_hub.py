import asyncio
import json

from starlette.requests import Request

from loket.server.hub import Hub, Message
from loket.server.i18n.catalogs import Catalogs
from loket.server.protocol import replayed
from loket.server.web.language import choose, language_name, offered


def request(query: str = "", accept: str | None = None) -> Request:
    headers = [] if accept is None else [(b"accept-language", accept.encode())]
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_the_page_languages_are_the_catalogs_and_named_in_themselves() -> None:
    assert set(Catalogs().languages()) == {"id", "en", "az", "ru"}
    assert language_name("az") == "Azərbaycanca" and language_name("ru") == "Русский"
    assert language_name("tr") == "Türkçe"  # a language added by a catalog alone: CLDR's name
    assert language_name("ka") == "ქართული"  # no capitals in that script
    assert language_name("zz") == "zz"


def test_language_choice_follows_the_contract_order() -> None:
    langs = offered(("id", "en", "az"), Catalogs().languages())
    assert langs[:3] == ("id", "en", "az") and "ru" in langs
    assert choose(request("lang=az", "en"), langs) == "az"
    assert choose(request("lang=xx", "ru-RU,ru;q=0.9,en;q=0.5"), langs) == "ru"
    assert choose(request("", "fr;q=1, en;q=0.3, az;q=0.8"), langs) == "az"
    assert choose(request("", "fr, de;q=bad"), langs) == "id"
    assert choose(request(), langs) == "id"


class FakeSink:
    """Unit-test sink: records what it sent; while `blocked`, sends wait."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.blocked: asyncio.Future[None] | None = None
        self.overflows = 0

    def send_now(self, message: Message) -> asyncio.Future[None] | None:
        if self.blocked is None:
            self.sent.append(message)
            return None
        return asyncio.ensure_future(self.send(message))

    async def send(self, message: Message) -> None:
        if self.blocked is not None:
            await self.blocked
        self.sent.append(message)

    def overflowed(self) -> None:
        self.overflows += 1


async def test_every_subscriber_gets_every_message_in_order() -> None:
    hub = Hub(limit=10)
    first, second = FakeSink(), FakeSink()
    with hub.subscribe("demo", first) as one, hub.subscribe("demo", second) as two:
        one.start()
        two.start()
        for seq in range(1, 4):
            hub.publish("demo", (seq, f"m{seq}"))
        hub.publish("other", (1, "elsewhere"))
        expected = [(1, "m1"), (2, "m2"), (3, "m3")]
        assert first.sent == expected and second.sent == expected
    hub.publish("demo", (4, "m4"))  # after they left: nobody gets it
    assert first.sent == expected and second.sent == expected


async def test_a_blocked_sink_keeps_order_through_its_backlog() -> None:
    hub = Hub(limit=10)
    sink = FakeSink()
    sink.blocked = asyncio.get_running_loop().create_future()
    with hub.subscribe("demo", sink) as subscription:
        subscription.start()
        for seq in range(1, 6):
            hub.publish("demo", (seq, "m"))
        assert sink.sent == [] and subscription.pending() == 4
        sink.blocked.set_result(None)
        sink.blocked = None
        for _ in range(20):
            await asyncio.sleep(0)
        hub.publish("demo", (6, "m"))
        assert [seq for seq, _ in sink.sent] == [1, 2, 3, 4, 5, 6]


async def test_a_laggard_is_dropped_and_does_not_hold_up_the_others() -> None:
    hub = Hub(limit=5)
    slow, fast = FakeSink(), FakeSink()
    slow.blocked = asyncio.get_running_loop().create_future()
    with hub.subscribe("demo", slow) as lagging, hub.subscribe("demo", fast) as quick:
        lagging.start()
        quick.start()
        for seq in range(1, 21):
            hub.publish("demo", (seq, "m"))
            assert fast.sent[-1] == (seq, "m")  # delivered at once, whatever the laggard does
        assert lagging.dropped and slow.overflows == 1 and lagging.pending() == 0


async def test_messages_before_start_wait_and_follow_in_order() -> None:
    hub = Hub(limit=10)
    sink = FakeSink()
    with hub.subscribe("demo", sink) as subscription:
        hub.publish("demo", (1, "early"))
        hub.publish("demo", (2, "early"))
        assert sink.sent == []  # the snapshot is not out yet
        subscription.start()
        hub.publish("demo", (3, "late"))  # behind the backlog, not before it
        for _ in range(10):
            await asyncio.sleep(0)
        assert [seq for seq, _ in sink.sent] == [1, 2, 3]
        hub.publish("demo", (4, "direct"))
        assert sink.sent[-1] == (4, "direct")


def test_recent_messages_answer_a_resume_while_memory_reaches_back() -> None:
    hub = Hub(recent=3)
    for seq in range(1, 6):
        hub.publish("demo", (seq, f"m{seq}"))
    assert hub.since("demo", 3) == [(4, "m4"), (5, "m5")]
    assert hub.since("demo", 2) == [(3, "m3"), (4, "m4"), (5, "m5")]
    assert hub.since("demo", 5) == []
    assert hub.since("demo", 1) is None  # 2 is no longer kept: ask the store
    assert hub.since("demo", 9) is None
    assert hub.since("other", 0) is None


def test_a_replayed_wire_is_still_the_same_json_plus_the_mark() -> None:
    wire = '{"v":1,"type":"ticket.issued","seq":3,"data":{"x":{"y":1}}}'
    assert json.loads(replayed(wire)) == {**json.loads(wire), "replayed": True}

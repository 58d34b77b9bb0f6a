"""The live view's waits (CONTRACT 6.3): when each ticket waiting in a service's line was
issued, on both stores, including a ticket sent to the head of a line (whose place in the
line is when it was sent, not when it was issued)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loket.server.config import load_sites
from loket.server.domain.commands import Destination
from loket.server.store import Stamp, open_store
from tests.store.test_store_contract import ANNOUNCE, store_url  # noqa: F401  (fixture)

SITES = load_sites(None)
START = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


async def test_each_waiting_ticket_is_known_by_when_it_was_issued(
    store_url: str,  # noqa: F811
) -> None:
    store = open_store(store_url)
    await store.open(SITES, lambda event: None)
    try:
        for minute, service in enumerate("AABA"):
            at = START + timedelta(minutes=minute)
            await store.issue("demo", service, Stamp(at), priority=minute == 3)
        # A003 (priority) is called first and sent to the head of B's line at 01:10
        await store.call_next("demo", "1", Stamp(START + timedelta(minutes=9), "c"), ANNOUNCE)
        later = Stamp(START + timedelta(minutes=10), "c")
        await store.transfer("demo", "1", Destination(service="B", first=True), later)
        since = await store.waiting_since("demo")
        minutes = {
            line: sorted(int((at - START) / timedelta(minutes=1)) for at in issued)
            for line, issued in since.items()
        }
        assert minutes["A"] == [0, 1] and minutes["B"] == [2, 3]
        assert all(minutes[s.id] == [] for s in SITES[0].services if s.id not in "AB")
    finally:
        await store.close()

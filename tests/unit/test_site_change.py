"""What a reloaded site file changes, and what only a restart may change (pure rules)."""

from dataclasses import replace

import pytest

from loket.server.config import load_sites
from loket.server.domain.site import Counter, DisplayLabels, Service
from loket.server.domain.site_change import (
    ChangeRefused,
    InUse,
    check_fixed,
    check_removals,
    describe,
)

DEMO = load_sites(None)[0]


def test_nothing_changed_says_nothing() -> None:
    assert describe((DEMO,), (DEMO,)) == []
    check_fixed((DEMO,), (DEMO,))


def test_each_change_is_one_line() -> None:
    counters = list(DEMO.counters)
    counters[0] = replace(counters[0], name={"en": "Front desk"})
    counters[1] = replace(counters[1], services=("A", "B"))
    new = replace(
        DEMO,
        name={"en": "Mall"},
        services=(
            *DEMO.services[:2],
            replace(DEMO.services[2], max_waiting=50),
            Service("D", {"en": "Tax"}),
        ),
        counters=(*counters[:4], *counters[5:], Counter("7", {"en": "Tax desk"}, ("D",))),
        ticker={"en": "Closed at noon."},
        display=DisplayLabels("pair"),
        remote_tickets=False,
    )
    assert describe((DEMO,), (new,)) == [
        "demo: site renamed",
        "demo: service D added",
        "demo: service C takes at most 50",
        "demo: counter 7 added",
        "demo: counter 5 removed",
        "demo: counter 1 renamed",
        "demo: counter 2 now serves A, B",
        "demo: running text changed",
        "demo: display labels changed",
        "demo: remote tickets off",
    ]


def test_a_new_order_is_a_change() -> None:
    new = replace(DEMO, counters=tuple(reversed(DEMO.counters)))
    assert describe((DEMO,), (new,)) == ["demo: counters reordered"]


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ((), "removes demo"),
        ((DEMO, replace(DEMO, id="annex")), "adds annex"),
        ((replace(DEMO, timezone="Asia/Baku"),), "the timezone of site demo"),
        ((replace(DEMO, languages=("id",)),), "the languages of site demo"),
    ],
)
def test_what_only_a_restart_may_change_is_refused(new: tuple, said: str) -> None:
    with pytest.raises(ChangeRefused, match=said):
        check_fixed((DEMO,), new)


def test_a_busy_service_or_counter_stays() -> None:
    without_c = replace(DEMO, services=DEMO.services[:2])
    with pytest.raises(InUse, match="Service C of site demo has 2 waiting") as refused:
        check_removals(DEMO, without_c, {"A": 1, "C": 2}, [])
    assert refused.value.code == "service_in_use"
    check_removals(DEMO, without_c, {"A": 1, "C": 0}, ["1"])  # nobody waits for C: it goes
    without_5 = replace(DEMO, counters=DEMO.counters[:4])
    with pytest.raises(
        InUse, match="Counter 5 of site demo is serving, holding or expecting a ticket"
    ) as refused:
        check_removals(DEMO, without_5, {}, ["5"])
    assert refused.value.code == "counter_in_use"

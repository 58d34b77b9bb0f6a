"""10 counters × 500 tickets called at once: each ticket exactly once, in contract order."""

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.integration.conftest import login
from tests.support.server import LoketServer

COUNTERS = 10
TICKETS = COUNTERS * 500


def hall(path: Path) -> Path:
    counters = "".join(
        f'\n[[sites.counters]]\nid = "{n}"\nname = {{ en = "Counter {n}" }}\n'
        'services = ["A", "B"]\n'
        for n in range(1, COUNTERS + 1)
    )
    path.write_text(
        '[[sites]]\nid = "hall"\nname = { en = "Hall" }\ntimezone = "UTC"\n'
        'languages = ["en"]\n\n[[sites.services]]\nid = "A"\nname = { en = "A" }\n\n'
        '[[sites.services]]\nid = "B"\nname = { en = "B" }\n' + counters,
        encoding="utf-8",
    )
    return path


def test_every_ticket_is_called_once_in_order(tmp_path: Path) -> None:
    config = hall(tmp_path / "hall.toml")
    with LoketServer(tmp_path, "--config", str(config)).running() as server:
        pick = random.Random(7)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            issued = [
                http.post(
                    "/api/v1/sites/hall/tickets",
                    json={"service": pick.choice("AB"), "priority": pick.random() < 0.1},
                ).json()["ticket"]
                for _ in range(TICKETS)
            ]
            token = login(http)

        def clerk(counter: int) -> list[tuple[int, str]]:
            calls = []
            auth = {"Authorization": f"Bearer {token}"}
            url = f"/api/v1/sites/hall/counters/{counter}/call-next"
            with httpx.Client(base_url=server.url, timeout=30, headers=auth) as own:
                while True:
                    answer = own.post(url)
                    if answer.status_code == 409:
                        assert answer.json()["error"]["code"] == "queue_empty"
                        return calls
                    assert answer.status_code == 200, answer.text
                    body = answer.json()
                    calls.append((body["seq"], body["ticket"]["ref"]))

        with ThreadPoolExecutor(COUNTERS) as pool:
            per_counter = list(pool.map(clerk, range(1, COUNTERS + 1)))

    calls = sorted(call for calls in per_counter for call in calls)
    called_refs = [ref for _, ref in calls]
    assert len(called_refs) == len(set(called_refs)) == TICKETS  # each exactly once
    assert all(len(c) > 0 for c in per_counter)  # every counter took part
    # in the order of the calls' seq: priority first, then in issue order
    expected = [t["ref"] for t in sorted(issued, key=lambda t: not t["priority"])]
    assert called_refs == expected

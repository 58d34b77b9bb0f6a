"""The quick soak (bench/soak.py --quick): a busy hall for ~30 s with displays and phones
dropping and resuming. Asserts what must hold whatever the machine's speed: no display or
phone misses or repeats an event, and every acknowledged call is heard exactly once.
Speed is the benchmark's business, not asserted here."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_quick_soak_no_gaps_and_every_call_exactly_once(tmp_path: Path) -> None:
    figures = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "soak.py"), "--quick", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert figures.exists(), done.stderr[-3000:]
    found = json.loads(figures.read_text())
    displays, phones, calls = found["displays"], found["phones"], found["calls"]

    assert calls["acknowledged"] > 50
    assert displays["displays"] >= 40
    assert displays["connections"] > displays["displays"], "no display dropped and resumed"
    assert phones["connections"] > phones["phones"], "no phone dropped and came back"

    assert displays["missing_events"] == 0, displays["examples"]
    assert displays["duplicates"] == 0
    assert displays["not_reconnected"] == 0
    assert (phones["gaps"], phones["duplicates"], phones["regressions"]) == (0, 0, 0)
    assert phones["called_not_told"] == 0

    assert calls["heard"] == calls["acknowledged"]
    assert calls["answer_not_heard"] == 0
    assert calls["called_twice"] == calls["answered_twice"] == 0
    assert calls["heard_not_answered"] == 0
    assert calls["auditor_gaps"] == 0

    assert found["failures"] == []
    assert done.returncode == 0, done.stdout[-3000:]

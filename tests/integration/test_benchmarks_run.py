"""The benchmarks still run (their figures are read by people, not asserted here)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    "script",
    ["fanout.py", "call_next.py", "reconnect.py", "announce.py", "phones.py", "scaleout.py"],
)
def test_quick_benchmark_runs_and_prints_its_table(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Targets:" in done.stdout
    assert "| N" in done.stdout or "| phase" in done.stdout


def test_attacks_bench_runs_the_attacks_on_both_checkouts_side_by_side() -> None:
    """Two of its quick attacks, with this checkout as "before" too (the old commit may not
    be in a shallow clone): both columns filled, no run failed."""
    checkout = str(BENCH.parent)
    done = subprocess.run(
        [sys.executable, str(BENCH / "attacks.py"), "--quick", "--before", checkout]
        + ["--only", "8", "11"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("| 8. JSON nested 2,000 deep") for line in lines)
    assert not any(line.startswith("| error ") for line in lines), done.stdout
    ids = [line for line in lines if "holders' ids on the display socket" in line]
    assert [cell.strip() for cell in ids[0].split("|")[2:4]] == ["0", "0"]
    assert "Targets:" in done.stdout

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

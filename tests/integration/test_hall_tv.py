"""scripts/hall-tv starts the browser full screen with sound allowed, and again when it exits."""

import os
import signal
import subprocess
from pathlib import Path

from tests.support.waiting import wait_until

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "hall-tv"
URL = "http://192.168.1.10:8000/display/demo?zone=lobby&volume=80"


def test_it_runs_the_browser_in_kiosk_mode_and_restarts_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    fake = tmp_path / "browser"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{runs}'\n")  # exits at once
    fake.chmod(0o755)
    env = {**os.environ, "HALL_TV_BROWSER": str(fake), "HALL_TV_PROFILE": str(tmp_path / "p")}
    tv = subprocess.Popen(
        [SCRIPT, URL, "--window-position=0,0"], env=env, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: len(lines(runs)) >= 2, 10, "the browser has been started twice")
    finally:
        tv.send_signal(signal.SIGTERM)
        assert tv.wait(5) == 0
    started = lines(runs)
    assert len(started) >= 2  # it exited, and was started again
    flags = started[0].split()
    assert flags[-1] == URL and "--window-position=0,0" in flags
    for flag in (
        "--kiosk",
        "--autoplay-policy=no-user-gesture-required",
        "--noerrdialogs",
        "--disable-session-crashed-bubble",
        "--disable-infobars",
        "--check-for-update-interval=31536000",
        f"--user-data-dir={tmp_path / 'p'}",
    ):
        assert flag in flags
    assert (tmp_path / "p").is_dir()


def test_it_needs_a_url() -> None:
    answer = subprocess.run([SCRIPT, "demo"], capture_output=True, text=True)
    assert answer.returncode == 2 and "usage" in answer.stderr


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []

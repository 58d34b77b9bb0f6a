"""Markers that say what a test runs, given by the folder it is in (tests/conftest.py hooks
this in; the markers are declared in pyproject.toml):

- `unit` (tests/unit), `inprocess` (tests/inprocess): in this process, no process of its own;
- `store` (tests/store): the stores, on SQLite and on a redis-server of the tests' own;
- `integration` (tests/integration): a real `loket serve`, Redis, nginx or script;
- `browser` (tests/browser): headless Chromium against a real server;
- `slow`: every test outside the in-process folders (it starts processes, and takes
  seconds), so that `-m "not slow"` runs the fast in-process tests only.

    pytest -m unit            # the unit tests
    pytest -m "not slow"      # everything in-process
    pytest -m "not browser"   # all but the browser tests
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
FOLDERS = ("unit", "inprocess", "store", "integration", "browser")
IN_PROCESS = ("unit", "inprocess")


def folder_markers(path: Path) -> list[str]:
    """The markers of a test in the file at `path`."""
    try:
        folder = path.resolve().relative_to(TESTS).parts[0]
    except ValueError:  # not one of ours
        return []
    return ([folder] if folder in FOLDERS else []) + ([] if folder in IN_PROCESS else ["slow"])


@pytest.hookimpl(tryfirst=True)  # before `-m` chooses by them
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for name in folder_markers(item.path):
            item.add_marker(name)

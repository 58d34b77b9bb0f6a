"""What every folder of tests shares: the markers by folder, the `live_server` fixture, and
the check that the installed Loket (which every test imports) is this checkout's."""

import pytest

from tests.support.installed import installed_copy_problem
from tests.support.markers import pytest_collection_modifyitems  # noqa: F401  (a hook)
from tests.support.server import live_server  # noqa: F401  (a fixture)


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = installed_copy_problem()
    if problem:
        pytest.exit(problem, returncode=2)

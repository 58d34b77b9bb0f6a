"""What every folder of tests shares: the markers by folder and the `live_server` fixture."""

from tests.support.markers import pytest_collection_modifyitems  # noqa: F401  (a hook)
from tests.support.server import live_server  # noqa: F401  (a fixture)

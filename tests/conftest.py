"""What every folder of tests shares: the `live_server` fixture."""

from tests.support.server import live_server  # noqa: F401  (a fixture)

"""The installed Loket must be this checkout's code: every test runs it (the folders
server/, displays/, ... are installed as loket.server, loket.displays, ...)."""

import hashlib
from functools import cache
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("server", "displays", "counter_client", "static")
SHIPPED = {
    ".py",
    ".lua",
    ".html",
    ".js",
    ".css",
    ".toml",
    ".svg",
    ".png",
    ".woff2",
    ".wav",
    ".json",
}


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in SHIPPED and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def installed_copy_problem() -> str | None:
    """Why the installed `loket` is not this checkout's code, or None when it is."""
    import importlib.util

    spec = importlib.util.find_spec("loket.server")
    if spec is None or spec.origin is None:
        return "Loket is not installed: run ./scripts/test (it installs) or `pip install .`."
    installed_root = Path(spec.origin).resolve().parent.parent  # site-packages/loket
    if installed_root == CHECKOUT:
        return None  # an editable install: the checkout is what runs
    if _digest(installed_root) != _digest(CHECKOUT):
        return (
            "The installed Loket differs from this checkout: run ./scripts/test "
            "(it reinstalls) or `.venv/bin/pip install .` first."
        )
    return None

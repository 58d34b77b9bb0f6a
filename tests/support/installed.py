"""The installed Loket must be this checkout's code: integration tests run it."""

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

    spec = importlib.util.find_spec("server")
    assert spec is not None and spec.origin is not None
    installed_root = Path(spec.origin).resolve().parent.parent
    if installed_root == CHECKOUT:
        site = Path(__import__("sysconfig").get_paths()["purelib"])
        if not (site / "server").is_dir():
            return None  # an editable install: the checkout is what runs
        installed_root = site
    if _digest(installed_root) != _digest(CHECKOUT):
        return (
            "The installed Loket differs from this checkout: run ./scripts/test "
            "(it reinstalls) or `.venv/bin/pip install .` first."
        )
    return None

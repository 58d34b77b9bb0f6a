"""The `?v=` of the pages' scripts and styles: it changes whenever a shipped asset does.

A hall TV keeps its page open for months and its browser keeps the modules it loaded. Were
`?v=` the package version alone, a release that did not raise it would leave browsers mixing
cached modules with new ones; a digest of the files themselves cannot be forgotten.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path

from loket.server import __version__

# What server/app.py serves: URL prefix → (package, folder within it); longest prefix first
ASSET_MOUNTS = {
    "/static/displays": ("loket.displays", "assets"),
    "/static/counter": ("loket.counter_client", "assets"),
    "/static": ("loket.static", "."),
}


def package_folder(package: str, name: str) -> Path:
    """A folder of an installed package, found as StaticFiles finds it."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, package
    return (Path(spec.origin).parent / name).resolve()


def digest(folders: Iterable[Path]) -> str:
    """A short hash over the names and contents of every file in `folders`."""
    hashed = hashlib.sha256()
    for index, root in enumerate(folders):
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            hashed.update(f"{index}/{path.relative_to(root).as_posix()}\0".encode())
            hashed.update(hashlib.sha256(path.read_bytes()).digest())
    return hashed.hexdigest()[:10]


def asset_version() -> str:
    """The package version and the assets' digest, e.g. "0.1.0-3fa9c2d1e0"; reads every
    asset, so it is computed once, as the app is made (server/web/pages.py, templates())."""
    folders = (package_folder(package, name) for package, name in ASSET_MOUNTS.values())
    return f"{__version__}-{digest(folders)}"

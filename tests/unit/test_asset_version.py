"""The pages' `?v=` (server/web/assets.py) follows the assets' contents, not only the release."""

from pathlib import Path

from loket.server import __version__
from loket.server.web import pages
from loket.server.web.assets import ASSET_MOUNTS, asset_version, digest, package_folder


def assets(root: Path) -> list[Path]:
    (root / "js").mkdir(parents=True)
    (root / "js" / "socket.js").write_text("export const a = 1;\n")
    (root / "css").mkdir()
    (root / "css" / "loket.css").write_text("body { margin: 0; }\n")
    other = root.parent / f"{root.name}-counter"
    other.mkdir()
    (other / "counter.js").write_text("// the counter page\n")
    return [root, other]


def test_it_changes_when_a_file_changes(tmp_path: Path) -> None:
    folders = assets(tmp_path / "static")
    before = digest(folders)
    assert digest(folders) == before  # the same files: the same version

    (tmp_path / "static" / "js" / "socket.js").write_text("export const a = 2;\n")
    changed = digest(folders)
    assert changed != before

    (folders[1] / "counter.js").write_text("// the counter page, new\n")
    assert digest(folders) not in (before, changed)


def test_it_changes_when_a_file_is_added_or_renamed(tmp_path: Path) -> None:
    folders = assets(tmp_path / "static")
    before = digest(folders)
    added = tmp_path / "static" / "js" / "sequencer.js"
    added.write_text("export class Sequencer {}\n")
    with_added = digest(folders)
    assert with_added != before

    added.rename(added.with_name("order.js"))
    assert digest(folders) not in (before, with_added)


def test_compiled_python_does_not_count(tmp_path: Path) -> None:
    folders = assets(tmp_path / "static")
    before = digest(folders)
    (tmp_path / "static" / "__pycache__").mkdir()
    (tmp_path / "static" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    assert digest(folders) == before


def test_the_pages_get_the_release_and_the_digest_of_the_shipped_assets() -> None:
    for package, name in ASSET_MOUNTS.values():  # a folder not found would hash to a constant
        assert any(package_folder(package, name).rglob("*.js")), (package, name)
    version = asset_version()
    assert version.startswith(f"{__version__}-") and len(version) <= 64  # fits a hello
    assert pages.templates().version == version

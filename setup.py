"""Installs the top-level folders under one name, loket (server/ as loket.server, and so on:
no `server` or `static` of ours in site-packages to collide with another's), and compiles
the translation catalogs (server/locale/*/LC_MESSAGES/loket.po → .mo) into the build, so
that an installed Loket has them and nobody commits compiled files by hand. Everything
else about the package is in pyproject.toml."""

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        # a build/ left by an earlier install would ship its stale files (a module since
        # removed, or the top-level packages of releases before the loket namespace)
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()
        for source in Path(self.build_lib, "loket", "server", "locale").glob("*/LC_MESSAGES/*.po"):
            with source.open("rb") as handle:
                catalog = read_po(handle, abort_invalid=True)
            with source.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)


FOLDERS = ("server", "displays", "counter_client", "static")

setup(
    packages=[f"loket.{name}" for name in find_packages(include=[f"{f}*" for f in FOLDERS])],
    package_dir={f"loket.{folder}": folder for folder in FOLDERS},
    cmdclass={"build_py": BuildWithCatalogs},
)

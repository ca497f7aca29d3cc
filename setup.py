"""Build hook: the translation catalogues are compiled (``.po`` → ``.mo``) while the wheel is built.

Everything else about the package is declared in ``setup.cfg`` (metadata, dependencies) and
``MANIFEST.in`` (the files that ship: the whole ``schoolalert/`` and ``plugins/`` trees).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.install_lib import install_lib
from setuptools.command.sdist import sdist

# Left by a checkout's own use (bytecode, compiled catalogues): never shipped from there.
BUILD_ARTEFACT = re.compile(r"(^|/)__pycache__/|\.py[cod]$|\.mo$")


def compile_catalogue(po_path: Path, mo_path: Path) -> None:
    """Compile one catalogue the way ``pybabel compile`` does (fuzzy entries are left out)."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError as error:  # pragma: no cover - only without the build requirements
        raise SystemExit(
            "Babel is needed to compile the translation catalogues while building: "
            "install it (pip install babel) or build with build isolation"
        ) from error
    locale = po_path.parent.parent.name
    with po_path.open("rb") as file:
        catalogue = read_po(file, locale=locale)
    errors = [
        f"{po_path}: {message.id!r}: {error}"
        for message, problems in catalogue.check()
        for error in problems
    ]
    if errors:
        raise SystemExit("translation catalogue errors:\n" + "\n".join(errors))
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    with mo_path.open("wb") as file:
        write_mo(file, catalogue, use_fuzzy=False)


class BuildWithCatalogues(build_py):
    """``build_py`` that also writes ``messages.mo`` next to every ``messages.po`` it ships.

    In an editable install the package is used from the source tree, so the catalogues are
    compiled there (they are ignored by git, as ``make translations`` leaves them too).
    """

    def run(self) -> None:
        super().run()
        for po_path, mo_path in self._catalogues():
            compile_catalogue(po_path, mo_path)

    def byte_compile(self, files: list[str]) -> None:
        if not sys.dont_write_bytecode:  # else setuptools only says it is skipping
            super().byte_compile(files)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return outputs + [str(mo_path) for _po, mo_path in self._catalogues()]

    def _catalogues(self) -> list[tuple[Path, Path]]:
        pairs = []
        for package, source_dir, build_dir, filenames in self.data_files:
            del package
            for filename in filenames:
                if not filename.endswith(".po"):
                    continue
                po_path = Path(source_dir, filename)
                target = Path(source_dir if self.editable_mode else build_dir, filename)
                pairs.append((po_path, target.with_suffix(".mo")))
        return pairs


class InstallLibQuietly(install_lib):
    def byte_compile(self, files: list[str]) -> None:
        if not sys.dont_write_bytecode:  # else setuptools only says it is skipping
            super().byte_compile(files)


class SdistOfSourcesOnly(sdist):
    """The sdist of a used checkout leaves out its bytecode and compiled catalogues."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        kept = [name for name in files if not BUILD_ARTEFACT.search(name.replace("\\", "/"))]
        super().make_release_tree(base_dir, kept)


setup(
    cmdclass={
        "build_py": BuildWithCatalogues,
        "install_lib": InstallLibQuietly,
        "sdist": SdistOfSourcesOnly,
    }
)

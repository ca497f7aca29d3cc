"""Extract user-facing strings and update the Dutch and English catalogues.

Run with ``make extract-messages`` after changing strings, then translate the new entries in
``schoolalert/translations/nl/LC_MESSAGES/messages.po`` (and each plugin's own catalogue).
English is the source language; its catalogue exists so that English is a real, selectable
locale. ``tests/test_translations.py`` fails when a string has no Dutch translation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "en")


def catalogue_roots() -> list[Path]:
    """The core package and every bundled plugin that has translations."""
    roots = [ROOT / "schoolalert"]
    roots += sorted(path.parent for path in (ROOT / "plugins").glob("*/translations"))
    return roots


def update(package: Path) -> None:
    translations = package / "translations"
    template = translations / "messages.pot"
    translations.mkdir(exist_ok=True)
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(
        [
            *pybabel,
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "--project",
            "Schoolalert",
            "--copyright-holder",
            "Schoolalert",
            "-o",
            str(template),
            str(package),
        ],
        check=True,
    )
    for language in LANGUAGES:
        catalogue = translations / language / "LC_MESSAGES" / "messages.po"
        command = "update" if catalogue.exists() else "init"
        subprocess.run(
            [
                *pybabel,
                command,
                "-i",
                str(template),
                "-d",
                str(translations),
                "-l",
                language,
                "--no-wrap",
                *(["--ignore-obsolete", "--no-fuzzy-matching"] if command == "update" else []),
            ],
            check=True,
        )
        unfuzz_header(catalogue, language)
    template.unlink()


def unfuzz_header(path: Path, language: str) -> None:
    """Keep the catalogue header valid: a fuzzy header stops ``pybabel compile``."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    catalogue.fuzzy = False
    catalogue.project, catalogue.version = "Schoolalert", "1"
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=0, sort_output=True)


if __name__ == "__main__":
    for root in catalogue_roots():
        update(root)

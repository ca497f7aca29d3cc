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
            "--omit-header",
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
                *(["--ignore-obsolete", "--omit-header"] if command == "update" else []),
            ],
            check=True,
        )
    template.unlink()


if __name__ == "__main__":
    for root in catalogue_roots():
        update(root)

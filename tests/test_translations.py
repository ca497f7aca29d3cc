"""Every user-facing string has a Dutch translation (Dutch is the default language)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def packages() -> list[Path]:
    return [
        ROOT / "schoolalert",
        *sorted(p.parent for p in (ROOT / "plugins").glob("*/translations")),
    ]


def extracted(package: Path) -> set[str]:
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(package), method_map=METHODS, keywords=KEYWORDS
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


@pytest.mark.parametrize("package", packages(), ids=lambda path: path.name)
def test_every_string_has_a_dutch_translation(package):
    with (package / "translations/nl/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    missing = sorted(extracted(package) - translated.keys())
    assert missing == [], f"run `make extract-messages` and translate: {missing[:10]}"
    untranslated = sorted(
        key for key, m in translated.items() if not m.string or m.fuzzy or m.string == ("",)
    )
    assert untranslated == [], f"translate in {package.name}/translations/nl: {untranslated[:10]}"


def test_english_catalogue_exists_so_english_is_selectable():
    assert (ROOT / "schoolalert/translations/en/LC_MESSAGES/messages.po").is_file()

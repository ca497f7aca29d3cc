"""Every user-facing string has a Dutch translation (Dutch is the default language)."""

from __future__ import annotations

import re
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


# Words of English that Dutch text does not use: a msgstr with one of them is English.
ENGLISH_WORDS = {
    "the",
    "and",
    "you",
    "your",
    "with",
    "please",
    "day",
    "days",
    "location",
    "locations",
    "recognition",
    "recognitions",
    "schools",
    "staff",
    "member",
    "members",
    "not",
    "been",
    "has",
    "have",
    "which",
    "when",
    "there",
    "this",
    "that",
    "from",
    "rules",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Names, codes and other strings that read the same in both languages.
SAME_IN_BOTH = {"Schoolalert", "E-mail", "Portal", "Dashboard"}


def catalogue_messages(package: Path) -> list:
    with (package / "translations/nl/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    return [message for message in catalogue if message.id], catalogue.num_plurals


def problems(message, num_plurals: int) -> list[str]:
    """What is wrong with one Dutch entry (empty when nothing)."""
    ids = (message.id,) if isinstance(message.id, str) else message.id
    strings = (message.string,) if isinstance(message.string, str) else message.string
    found = []
    if message.fuzzy:
        found.append("fuzzy")
    if not all(strings):
        found.append("untranslated")
    if not isinstance(message.id, str) and len(strings) != num_plurals:
        found.append(f"{len(strings)} of {num_plurals} plural forms")
    if any("(s)" in text for text in ids):
        found.append("a count written as (s): use ngettext")
    for text in strings:
        if not text:
            continue
        words = re.findall(r"[a-z_]+", PLACEHOLDER.sub(" ", text).lower())
        english = ENGLISH_WORDS.intersection(words)
        if english:
            found.append(f"English words {sorted(english)}")
        if text in ids and len(text.split()) >= 3:
            found.append("the English text")
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(ids[-1])) - {"num"} | (
            set(PLACEHOLDER.findall(text)) & {"num"}
        ):
            found.append("other placeholders than the English")
    return found


@pytest.mark.parametrize("package", packages(), ids=lambda path: path.name)
def test_no_english_broken_plural_or_fuzzy_entry_in_the_dutch_catalogue(package):
    messages, num_plurals = catalogue_messages(package)
    wrong = {}
    for message in messages:
        found = problems(message, num_plurals)
        if found and message.id not in SAME_IN_BOTH:
            wrong[message.id if isinstance(message.id, str) else message.id[0]] = found
    assert wrong == {}, f"fix in {package.name}/translations/nl: {list(wrong.items())[:8]}"


def test_the_catalogue_check_finds_what_the_walk_through_found():
    from babel.messages.catalog import Message

    def check(msgid, msgstr):
        return problems(Message(msgid, msgstr), 2)

    assert check("%(total)d locations", "afgewezen")  # placeholder lost: another sentence
    assert check(("%(num)d day", "%(num)d days"), ("", ""))
    assert check(("%(num)d day", "%(num)d days"), ("%(num)d dag",))
    assert check("Pick a school location", "Kies een school location")
    assert check("Answer recognised or not", "Answer recognised or not")
    assert check("%(count)d rule(s)", "%(count)d regel(s)")
    assert check(("%(num)d line", "%(num)d lines"), ("%(num)d regel", "%(num)d regels")) == []
    assert check("Alert %(id)d", "Alert %(id)d") == []


def test_english_catalogue_exists_so_english_is_selectable():
    assert (ROOT / "schoolalert/translations/en/LC_MESSAGES/messages.po").is_file()

"""The documentation says what the code does."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from schoolalert import hookspecs
from schoolalert.config import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_every_hook_is_documented_with_its_signature():
    text = (DOCS / "plugins.md").read_text()
    hooks = [
        name
        for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("schoolalert_")
    ]
    assert hooks
    for name in hooks:
        parameters = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"`{name}({parameters})`" in text, f"docs/plugins.md lacks {name}({parameters})"
        assert getattr(hookspecs, name).__doc__, f"{name} has no docstring"


def test_every_template_slot_is_documented():
    text = (DOCS / "plugins.md").read_text()
    for slot in hookspecs.TEMPLATE_SLOTS:
        assert f"`{slot}`" in text


def test_the_worked_example_is_the_code_that_runs():
    text = (DOCS / "plugins.md").read_text()
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 3
    for path, code in blocks:
        assert (ROOT / path).read_text() == code, f"docs/plugins.md differs from {path}"


def security_table() -> list[tuple[str, str]]:
    text = (DOCS / "security.md").read_text()
    return re.findall(r"^\| `([\w.]+)` \| ([^|]+?) \|", text, flags=re.MULTILINE)


@pytest.mark.parametrize(("setting", "documented"), security_table())
def test_security_numbers_match_the_code(setting, documented):
    if "." in setting:
        module_name, constant = setting.rsplit(".", 1)
        actual = getattr(importlib.import_module(f"schoolalert.{module_name}"), constant)
    else:
        actual = DEFAULTS[setting]
    assert str(actual) == documented


def test_the_security_table_covers_the_session_and_throttling_settings():
    documented = {setting for setting, _ in security_table()}
    expected = {key for key in DEFAULTS if key.startswith(("SESSION_", "LIMIT_", "PASSWORD_HASH_"))}
    assert expected <= documented

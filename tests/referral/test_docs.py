"""docs/plugins/referral.md says what the plugin does: its hooks, endpoints, lines and settings."""

from __future__ import annotations

import re

import plugins.referral as plugin
from plugins.referral import services, settings
from tests.conftest import ROOT

DOC = ROOT / "docs" / "plugins" / "referral.md"


def test_every_hook_in_the_table_is_implemented_and_every_implemented_hook_is_listed():
    text = DOC.read_text()
    listed = set(re.findall(r"^\| `(schoolalert_\w+)` \|", text, flags=re.MULTILINE))
    implemented = {name for name in dir(plugin) if name.startswith("schoolalert_")}
    assert listed == implemented


def test_every_documented_endpoint_exists(app):
    text = DOC.read_text()
    paths = set(re.findall(r"(?:GET|POST)\s+(/api/v1/[\w/{}]+)", text))
    assert len(paths) >= 5
    patterns = [
        re.compile("^" + re.sub(r"<(?:\w+:)?\w+>", "[^/]+", rule.rule) + "$")
        for rule in app.url_map.iter_rules()
    ]
    for path in paths:
        concrete = re.sub(r"\{\w+\}", "1", path)
        assert any(pattern.match(concrete) for pattern in patterns), path


def test_the_lines_outcomes_and_defaults_are_the_code_s():
    text = DOC.read_text()
    for number, _name in services.CRISIS_LINES:
        assert number in text
    for outcome in services.OUTCOMES:
        assert f"`{outcome}`" in text
    assert (
        f"| `SCHOOLALERT_REFERRAL_REMINDER_HOURS` | `{settings.DEFAULT_REMINDER_HOURS}` |" in text
    )
    assert (
        f"| `SCHOOLALERT_REFERRAL_ERASE_AFTER_DAYS` | `{settings.DEFAULT_ERASE_AFTER_DAYS}` |"
        in text
    )

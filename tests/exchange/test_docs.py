"""docs/plugins/exchange.md says what the plugin does: its hooks, endpoints and commands."""

from __future__ import annotations

import re

import plugins.exchange as plugin
from plugins.exchange.commands import exchange_group
from tests.conftest import ROOT

DOC = ROOT / "docs" / "plugins" / "exchange.md"


def test_every_hook_in_the_table_is_implemented_and_every_implemented_hook_is_listed():
    text = DOC.read_text()
    listed = set(re.findall(r"^\| `(schoolalert_\w+)` \|", text, flags=re.MULTILINE))
    implemented = {name for name in dir(plugin) if name.startswith("schoolalert_")}
    assert listed == implemented


def test_every_documented_endpoint_exists(app):
    text = DOC.read_text()
    paths = set(re.findall(r"(?:GET|POST)\s+`?(?:<BASE_URL>)?(/api/v1/[\w/{}]+)", text))
    assert len(paths) >= 5
    patterns = [
        re.compile("^" + re.sub(r"<(?:\w+:)?\w+>", "[^/]+", rule.rule) + "$")
        for rule in app.url_map.iter_rules()
    ]
    for path in paths:
        concrete = re.sub(r"\{\w+\}", "1", path)
        assert any(pattern.match(concrete) for pattern in patterns), path


def test_the_commands_are_the_documented_ones():
    text = DOC.read_text()
    assert "schoolalert exchange identity" in text
    for name in exchange_group.commands["partners"].commands:  # type: ignore[attr-defined]
        assert f"schoolalert exchange partners {name}" in text


def test_the_settings_and_their_defaults_are_the_code_s():
    from plugins.exchange.api import DEFAULT_INBOX_MAX_BYTES

    text = DOC.read_text()
    assert f"| `SCHOOLALERT_EXCHANGE_INBOX_MAX_BYTES` | `{DEFAULT_INBOX_MAX_BYTES}`" in text
    assert "| `SCHOOLALERT_EXCHANGE_SENDER` | the host of `SCHOOLALERT_BASE_URL` |" in text

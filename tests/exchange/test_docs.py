"""docs/plugins/exchange.md names the plugin's commands and settings as the code has them."""

from __future__ import annotations

from plugins.exchange.commands import exchange_group
from tests.conftest import ROOT

DOC = ROOT / "docs" / "plugins" / "exchange.md"


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

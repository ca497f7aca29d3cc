"""docs/plugins/referral.md gives the crisis lines, outcomes and settings as the code has them."""

from __future__ import annotations

from plugins.referral import services, settings
from tests.conftest import ROOT

DOC = ROOT / "docs" / "plugins" / "referral.md"


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

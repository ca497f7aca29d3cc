"""docs/plugins/regional.md says what the plugin does."""

from __future__ import annotations

import json
import re

from plugins.regional import settings
from tests.conftest import ROOT
from tests.regional.test_form import VALUES, render

DOC = ROOT / "docs" / "plugins" / "regional.md"
SCHOOL_CODE = re.compile(r"\b\d{2}[A-Z]{2}\d{2}\b")


def test_every_targeting_example_is_accepted(regional):
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) == 3
    stand_ins = iter(school.code for school in regional.named.values())
    for block in blocks:
        # The examples name real DUO codes; this map has its own schools.
        text = SCHOOL_CODE.sub(lambda _match: next(stand_ins), block)
        response = regional.preview(json.loads(text)["targeting"])
        assert response.status_code == 200, (block, response.json)
        assert response.json["count"] > 0


def test_every_selector_and_form_input_is_documented(regional):
    text = DOC.read_text()
    for key in regional.app.extensions["schoolalert.targeting"]:
        if key not in {"all", "schools"}:
            assert f"| `{key}` |" in text
    for key, value in VALUES.items():
        _html, inputs = render(regional.app, key, value)
        for name in inputs.names:
            assert f"`{name}`" in text


def test_the_documented_limits_are_the_code_s():
    text = DOC.read_text()
    assert f"1 to {settings.COUNTRY_KM}, default {settings.DEFAULT_MAX_RADIUS_KM}" in text
    assert f"more than {settings.COUNTRY_KM} km is larger than the country" in text

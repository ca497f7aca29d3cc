"""Each bundled plugin's guide (``docs/plugins/<name>.md``) lists exactly the hooks the plugin
implements, and every endpoint it names exists."""

from __future__ import annotations

import importlib
import re

import pytest

from tests.conftest import ROOT

DOCUMENTED = ["referral", "exchange"]  # the plugins whose guide has a table of hooks


def guide(name: str) -> str:
    return (ROOT / "docs" / "plugins" / f"{name}.md").read_text()


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_hook_in_the_table_is_implemented_and_every_implemented_hook_is_listed(name):
    plugin = importlib.import_module(f"plugins.{name}")
    listed = set(re.findall(r"^\| `(schoolalert_\w+)` \|", guide(name), flags=re.MULTILINE))
    implemented = {hook for hook in dir(plugin) if hook.startswith("schoolalert_")}
    assert listed == implemented


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_documented_endpoint_exists(app, name):
    paths = set(re.findall(r"(?:GET|POST)\s+`?(?:<BASE_URL>)?(/api/v1/[\w/{}]+)", guide(name)))
    assert len(paths) >= 3
    patterns = [
        re.compile("^" + re.sub(r"<(?:\w+:)?\w+>", "[^/]+", rule.rule) + "$")
        for rule in app.url_map.iter_rules()
    ]
    for path in paths:
        concrete = re.sub(r"\{\w+\}", "1", path)
        assert any(pattern.match(concrete) for pattern in patterns), path

"""Every hook specification has a test and a documentation entry (as Datasette checks its own).

A hook's test is named ``test_hook_<hook name without schoolalert_>…``, anywhere under
``tests/``; its documentation is a ``### `schoolalert_<name>(…)``` section of docs/plugins.md.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from schoolalert import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("schoolalert_")
)


def hook_test_names() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_hook_"):
                names.add(node.name)
    return names


def hooks_without(names: set[str], hooks: list[str]) -> list[str]:
    return [
        hook
        for hook in hooks
        if not any(
            name.startswith("test_hook_" + hook.removeprefix("schoolalert_")) for name in names
        )
    ]


def test_there_are_hooks():
    assert len(HOOKS) >= 7


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert not hooks_without(hook_test_names(), [hook]), f"{hook} has no test_hook_… test"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_in_the_plugin_docs(hook):
    text = (ROOT / "docs" / "plugins.md").read_text()
    assert f"### `{hook}(" in text, f"docs/plugins.md has no section for {hook}"


def test_the_check_notices_a_hook_without_a_test():
    names = {"test_hook_track_event_is_called"}
    assert hooks_without(names, ["schoolalert_track_event", "schoolalert_new_hook"]) == [
        "schoolalert_new_hook"
    ]

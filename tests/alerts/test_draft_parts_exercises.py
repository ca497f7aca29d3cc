"""Draft parts on an exercise alert: a part with ``for_exercises=False`` is refused whatever its
value; a part with an ``exercise_check`` is refused only for the values the check refuses."""

from __future__ import annotations

import pytest

from schoolalert.alerts import draft_parts
from schoolalert.errors import Unresolvable
from schoolalert.plugin_types import DraftPart


def part(key: str, **options) -> DraftPart:
    return DraftPart(
        key=key, label=key, parse=list, save=lambda *_: None, load=lambda _: None, **options
    )


def only_allowed(value):
    if value != ["allowed"]:
        raise ValueError("not for an exercise: " + ", ".join(value))


@pytest.fixture
def parts(monkeypatch):
    registry = {
        "never": part("never", for_exercises=False),
        "checked": part("checked", exercise_check=only_allowed),
        "free": part("free"),
    }
    monkeypatch.setattr(draft_parts, "available_parts", lambda: registry)


def test_a_part_not_for_exercises_is_refused_naming_it(parts):
    with pytest.raises(Unresolvable) as refused:
        draft_parts.refuse_for_exercise({"never": ["x"]})
    assert refused.value.field == "never"
    draft_parts.refuse_for_exercise({"never": None})  # left out: nothing to refuse


def test_an_exercise_check_refuses_only_the_values_it_refuses(parts):
    draft_parts.refuse_for_exercise({"checked": ["allowed"], "free": ["anything"]})
    with pytest.raises(Unresolvable) as refused:
        draft_parts.refuse_for_exercise({"checked": ["other"]})
    assert refused.value.field == "checked"
    assert "not for an exercise: other" in str(refused.value.message)

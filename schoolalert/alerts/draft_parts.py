"""Draft parts that plugins add to an alert (``schoolalert_register_draft_parts``).

A part is one more field of the draft's JSON (``share_with``), validated by its plugin, stored
by it with the draft and shown on the alert page, where the prosecutor approves it together
with the rest. The core's own fields are validated by :class:`~schoolalert.alerts.drafting.
DraftInput`; :func:`without_parts` takes the parts' keys out before that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from schoolalert.errors import InvalidInput, Unresolvable
from schoolalert.plugin_types import DraftPart

REGISTRY = "schoolalert.draft_parts"


def register_parts(app: Any) -> None:
    """Collect the draft parts of all installed plugins once, at start-up."""
    from schoolalert.alerts.drafting import DraftInput

    registry: dict[str, tuple[str | None, DraftPart]] = {}
    for owner, part in app.extensions["schoolalert.plugins"].contributions(
        "schoolalert_register_draft_parts"
    ):
        if not isinstance(part, DraftPart):
            raise TypeError("schoolalert_register_draft_parts must return DraftPart items")
        if part.key in registry or part.key in DraftInput.model_fields:
            raise ValueError(f"draft part {part.key!r} is registered twice")
        registry[part.key] = (owner, part)
    app.extensions[REGISTRY] = registry


def available_parts() -> dict[str, DraftPart]:
    """The parts of every *enabled* plugin, by key."""
    plugins = current_app.extensions["schoolalert.plugins"]
    return {
        key: part
        for key, (owner, part) in current_app.extensions[REGISTRY].items()
        if plugins.is_enabled(owner)
    }


def without_parts(data: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's own fields: what is left for ``DraftInput`` once the parts are taken out."""
    parts = available_parts()
    return {key: value for key, value in data.items() if key not in parts}


def form_parts() -> list[DraftPart]:
    """Enabled parts that bring their own piece of the draft form."""
    return [part for part in available_parts().values() if part.form_template and part.from_form]


def parts_from_form(formdata: Mapping[str, Any]) -> dict[str, Any]:
    """The raw value of each form part as the API would send it; parts left empty are
    omitted."""
    values: dict[str, Any] = {}
    for part in form_parts():
        assert part.from_form is not None
        value = part.from_form(formdata)
        if value is not None:
            values[part.key] = value
    return values


def parse_parts(data: Mapping[str, Any], *, form: bool = False) -> dict[str, Any]:
    """Each enabled part's parsed value (None when the draft leaves it out); 422 names a bad
    one. With ``form`` only the parts the draft form shows (the others keep their value)."""
    values: dict[str, Any] = {}
    parts = {part.key: part for part in form_parts()} if form else available_parts()
    for key, part in parts.items():
        raw = data.get(key)
        try:
            values[key] = None if raw is None else part.parse(raw)
        except ValueError as error:
            raise InvalidInput(str(error), field=key) from None
    return values


def refuse_for_exercise(values: Mapping[str, Any]) -> None:
    """Unresolvable (422) naming the first part used that an exercise alert may not have, or
    whose value its ``exercise_check`` refuses on an exercise."""
    parts = available_parts()
    for key, value in values.items():
        if value is None:
            continue
        part = parts[key]
        if not part.for_exercises:
            raise Unresolvable(
                str(_l("An exercise alert cannot use %(part)s.", part=part.label)), field=key
            )
        if part.exercise_check is not None:
            try:
                part.exercise_check(value)
            except ValueError as error:
                raise Unresolvable(str(error), field=key) from None


def save_parts(alert_id: int, values: Mapping[str, Any]) -> None:
    """Store the parsed value of each part in ``values`` (None clears it)."""
    parts = available_parts()
    for key, value in values.items():
        parts[key].save(alert_id, value)


def part_values(alert_id: int) -> dict[str, Any]:
    """The stored value of each enabled part that the alert uses."""
    values = {key: part.load(alert_id) for key, part in available_parts().items()}
    return {key: value for key, value in values.items() if value is not None}


def described_parts(alert_id: int) -> list[tuple[str, str]]:
    """``(label, text)`` of each part the alert uses, for the alert page."""
    parts = available_parts()
    return [
        (str(parts[key].label), parts[key].describe(value))
        for key, value in part_values(alert_id).items()
    ]

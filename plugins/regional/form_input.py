"""Reading the regional part of the draft form back into the JSON values the API takes.

The form templates (``templates/regional/``) render plain inputs whose names start with
``regional_``:

| selector | inputs |
|---|---|
| ``police_units`` | checkboxes ``regional_police_units`` (value ``RE01`` …) |
| ``provinces`` | checkboxes ``regional_provinces`` (value ``PV20`` …) |
| ``municipalities`` | checkboxes ``regional_municipalities`` (value ``GM0363`` …) |
| ``postcodes`` | text ``regional_postcodes``: ``1011-1099, 3500`` (commas, spaces or lines) |
| ``radius`` | text ``regional_radius_lat``, ``regional_radius_lon``, ``regional_radius_km`` |

Each reader returns None when its inputs were left empty. It does not validate: the selector's
``parse`` does, so the form and the API refuse the same values with the same messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

PREFIX = "regional_"
RADIUS_INPUTS = {
    "lat": "regional_radius_lat",
    "lon": "regional_radius_lon",
    "km": "regional_radius_km",
}


def values(form: Mapping[str, Any], name: str) -> list[str]:
    """Every non-empty value submitted under ``name`` (a MultiDict or a plain mapping)."""
    if hasattr(form, "getlist"):
        raw = form.getlist(name)
    else:
        found = form.get(name)
        raw = list(found) if isinstance(found, list | tuple) else [] if found is None else [found]
    return [text for text in (str(item).strip() for item in raw) if text]


def code_list_reader(key: str) -> Callable[[Mapping[str, Any]], list[str] | None]:
    def read(form: Mapping[str, Any]) -> list[str] | None:
        return sorted(set(values(form, PREFIX + key))) or None

    read.__name__ = f"read_{key}"
    return read


def read_postcodes(form: Mapping[str, Any]) -> list[str] | None:
    """``"1011 - 1099, 3500\\n3600"`` → ``["1011-1099", "3500", "3600"]``."""
    text = " ".join(values(form, PREFIX + "postcodes"))
    text = re.sub(r"\s*[-\u2013]\s*", "-", text)  # keep a range with spaces together
    entries = [entry for entry in re.split(r"[\s,;]+", text) if entry]
    return entries or None


def read_radius(form: Mapping[str, Any]) -> dict[str, Any] | None:
    """Numbers as typed, with a decimal comma or point; what is not a number stays text, so
    that ``parse`` names it."""
    given = {field: (values(form, name) or [""])[0] for field, name in RADIUS_INPUTS.items()}
    if not any(given.values()):
        return None
    return {field: _number(text) for field, text in given.items() if text}


def _number(text: str) -> float | str:
    try:
        return float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        return text

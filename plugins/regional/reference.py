"""The areas an investigator can choose from, read from the core's reference geography
(the ``municipalities`` table: every current municipality with its province and police unit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from schoolalert.plugin_api import Municipality, db


@dataclass(frozen=True)
class Area:
    code: str
    name: str


def police_units() -> list[Area]:
    """The ten regional units of the police (RE01 to RE10), by code."""
    return _distinct(Municipality.police_unit_code, Municipality.police_unit_name)


def provinces() -> list[Area]:
    """The twelve provinces (PV20 to PV31), by code."""
    return _distinct(Municipality.province_code, Municipality.province_name)


def municipalities() -> list[Area]:
    """Every municipality, by name."""
    rows = db.session.execute(
        select(Municipality.code, Municipality.name).order_by(Municipality.name)
    )
    return [Area(code, name) for code, name in rows]


def municipalities_by_province() -> list[tuple[Area, list[Area]]]:
    """Provinces by name, each with its municipalities by name (for the draft form)."""
    rows = db.session.execute(
        select(
            Municipality.province_code,
            Municipality.province_name,
            Municipality.code,
            Municipality.name,
        ).order_by(Municipality.province_name, Municipality.name)
    )
    groups: dict[Area, list[Area]] = {}
    for province_code, province_name, code, name in rows:
        groups.setdefault(Area(province_code, province_name), []).append(Area(code, name))
    return list(groups.items())


def names(areas: list[Area]) -> dict[str, str]:
    return {area.code: area.name for area in areas}


def _distinct(code_column: Any, name_column: Any) -> list[Area]:
    rows = db.session.execute(select(code_column, name_column).distinct().order_by(code_column))
    return list({code: Area(code, name) for code, name in rows}.values())

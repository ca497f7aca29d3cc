"""Which school locations an alert goes to.

An alert's ``targeting`` is a JSON object. The core understands ``all`` and ``schools`` (both
registered through the same hook as a plugin's selectors) and ``exclude``; plugins add more. The
selectors are united, ``exclude`` removes codes, and only participating active locations remain.
An unknown key — for instance one of a disabled plugin — or a bad value is refused naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from schoolalert.consent.exercises import exercising_clause
from schoolalert.consent.participation import participating_clause
from schoolalert.errors import InvalidInput, Unresolvable
from schoolalert.extensions import db
from schoolalert.plugin_types import TargetingError, TargetingSelector
from schoolalert.plugins import hookimpl
from schoolalert.schools.models import SCHOOL_CODE_PATTERN, Municipality, School

EXCLUDE = "exclude"
SCHOOL_CODE = re.compile(SCHOOL_CODE_PATTERN)
MAX_CODES = 10_000
CODES_SCHEMA = {
    "type": "array",
    "items": {"type": "string", "pattern": SCHOOL_CODE_PATTERN},
    "minItems": 1,
    "maxItems": MAX_CODES,
    "description": "school location codes (VESTIGINGSCODE), 16AH00",
}


@dataclass(frozen=True)
class PreviewSchool:
    code: str
    name: str
    municipality: str
    police_unit: str
    latitude: float
    longitude: float


def available_selectors() -> dict[str, TargetingSelector]:
    """Selectors of the core and of every *enabled* plugin, by key."""
    registry = current_app.extensions["schoolalert.targeting"]
    plugins = current_app.extensions["schoolalert.plugins"]
    return {
        key: selector for key, (owner, selector) in registry.items() if plugins.is_enabled(owner)
    }


def register_selectors(app: Any) -> None:
    """Collect the selectors of all installed plugins once, at start-up."""
    registry: dict[str, tuple[str | None, TargetingSelector]] = {}
    for owner, selector in app.extensions["schoolalert.plugins"].contributions(
        "schoolalert_register_targeting_selectors"
    ):
        if selector.key in registry or selector.key == EXCLUDE:
            raise ValueError(f"targeting selector {selector.key!r} is registered twice")
        registry[selector.key] = (owner, selector)
    app.extensions["schoolalert.targeting"] = registry


def parse_targeting(raw: Any) -> dict[str, Any]:
    """The normal form of a targeting object, or InvalidInput naming the bad key."""
    if not isinstance(raw, dict) or not raw:
        raise InvalidInput(str(_l("Choose the schools: targeting is empty.")), field="targeting")
    selectors = available_selectors()
    unknown = sorted(key for key in raw if key not in selectors and key != EXCLUDE)
    if unknown:
        raise InvalidInput(
            str(_l("Unknown targeting selector: %(keys)s.", keys=", ".join(unknown))),
            field=unknown[0],
        )
    parsed: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            parsed[key] = (
                parse_codes(EXCLUDE, value) if key == EXCLUDE else selectors[key].parse(value)
            )
        except TargetingError as error:
            refusal = Unresolvable if error.unresolvable else InvalidInput
            raise refusal(error.message, field=key) from None
    if not any(key != EXCLUDE for key in parsed):
        raise InvalidInput(str(_l("Choose the schools, not only which to exclude.")), field=EXCLUDE)
    return parsed


def targeting_schema() -> dict[str, Any]:
    """The JSON Schema of ``targeting`` with the selectors of the enabled plugins: at least one
    selector besides ``exclude``, no unknown key."""
    selectors = available_selectors()
    properties = {key: selector.schema() for key, selector in sorted(selectors.items())}
    properties[EXCLUDE] = CODES_SCHEMA
    return {
        "type": "object",
        "description": "selectors (united), then exclude (codes); participating schools only",
        "properties": properties,
        "additionalProperties": False,
        "anyOf": [{"required": [key]} for key in sorted(selectors)],
    }


def targeting_clause(parsed: dict[str, Any], *, exercise: bool = False) -> ColumnElement[bool]:
    """One SQL condition over School: selectors united, exclusions removed, participating only
    (and, for an exercise, opted in to exercises)."""
    selectors = available_selectors()
    chosen = or_(
        *(selectors[key].criterion(value) for key, value in parsed.items() if key != EXCLUDE)
    )
    excluded = parsed.get(EXCLUDE) or []
    clause = chosen & participating_clause()
    if exercise:
        clause = clause & exercising_clause()
    return clause & School.code.not_in(excluded) if excluded else clause


def resolve_school_ids(parsed: dict[str, Any], *, exercise: bool = False) -> list[int]:
    return list(
        db.session.scalars(
            select(School.id).where(targeting_clause(parsed, exercise=exercise)).order_by(School.id)
        )
    )


def preview(parsed: dict[str, Any], *, exercise: bool = False) -> list[PreviewSchool]:
    """The locations the targeting reaches now, with what the preview lists and maps."""
    return load_preview(preview_select().where(targeting_clause(parsed, exercise=exercise)))


def preview_select() -> Select[Any]:
    """Locations with what a preview shows, in the order it lists them."""
    return (
        select(
            School.code,
            School.name,
            Municipality.name,
            School.police_unit_code,
            School.latitude,
            School.longitude,
        )
        .join(Municipality, Municipality.code == School.municipality_code)
        .order_by(School.police_unit_code, Municipality.name, School.name)
    )


def load_preview(query: Select[Any]) -> list[PreviewSchool]:
    return [PreviewSchool(*row) for row in db.session.execute(query)]


def parse_codes(key: str, value: Any) -> list[str]:
    """A list of existing DUO location codes (``16AH00``), upper-cased and de-duplicated."""
    if not isinstance(value, list) or not value or len(value) > MAX_CODES:
        raise TargetingError(key, str(_l("Give a list of school location codes.")))
    codes = sorted({str(code).strip().upper() for code in value})
    malformed = [code for code in codes if not SCHOOL_CODE.match(code)]
    if malformed:
        raise TargetingError(
            key, str(_l("Not a school location code: %(codes)s.", codes=", ".join(malformed[:5])))
        )
    known = set(db.session.scalars(select(School.code).where(School.code.in_(codes))))
    missing = [code for code in codes if code not in known]
    if missing:
        raise TargetingError(
            key,
            str(_l("Unknown school location: %(codes)s.", codes=", ".join(missing[:5]))),
            unresolvable=True,
        )
    return codes


def _parse_all(value: Any) -> bool:
    if value is not True:
        raise TargetingError("all", str(_l("Use true to reach every participating school.")))
    return True


@hookimpl
def schoolalert_register_targeting_selectors() -> list[TargetingSelector]:
    return [
        TargetingSelector(
            key="all",
            label=_l("All participating schools"),
            parse=_parse_all,
            criterion=lambda _value: true(),
            schema=lambda: {"const": True, "description": "every participating school"},
        ),
        TargetingSelector(
            key="schools",
            label=_l("Chosen school locations"),
            parse=lambda value: parse_codes("schools", value),
            criterion=lambda codes: School.code.in_(codes) if codes else false(),
            schema=lambda: CODES_SCHEMA,
        ),
    ]

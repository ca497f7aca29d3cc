"""The five selectors of regional targeting (CONTRACT §4).

| key | JSON value | criterion over ``School`` |
|---|---|---|
| ``police_units`` | ``["RE03", "RE05"]`` | ``police_unit_code IN (…)`` |
| ``provinces`` | ``["PV27"]`` | ``province_code IN (…)`` |
| ``municipalities`` | ``["GM0363", "GM0402"]`` | ``municipality_code IN (…)`` |
| ``postcodes`` | ``["1011-1099", "3500"]`` | the four digits of ``postcode`` in the ranges |
| ``radius`` | ``{"lat": 52.37, "lon": 4.89, "km": 10}`` | a bounding box, then the distance |

``parse`` returns the normal form, which parses to itself again: the core stores it with the
draft and parses it again at submission and approval. Each criterion is one SQL expression over
all school locations; the core unites them, removes ``exclude`` and keeps participating
locations only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_

from plugins.regional import form_input, geo, reference
from plugins.regional.settings import COUNTRY_KM, current_settings
from schoolalert.plugin_api import School, TargetingError, TargetingSelector, municipality_code

MAX_ITEMS = 1000  # entries in one list: more than every municipality and every PC4 range
SHOWN_IN_SUMMARY = 8
PC4 = re.compile(r"([1-9][0-9]{3})(?:-([1-9][0-9]{3}))?")
# What parse_postcodes reads, for the document: white space anywhere, a hyphen or an en dash.
_DIGIT = r"[ \t]*[0-9]"
POSTCODE_PATTERN = rf"^[ \t]*[1-9]{_DIGIT * 3}[ \t]*(?:[-\u2013][ \t]*[1-9]{_DIGIT * 3}[ \t]*)?$"


@dataclass(frozen=True)
class RegionalSelector(TargetingSelector):
    """A selector whose form template shows reference data: ``selector.options()``."""

    options: Callable[[], Any] = field(default=lambda: None)


# -- police units, provinces, municipalities ---------------------------------------------------


@dataclass(frozen=True)
class CodeList:
    """A selector that takes a list of area codes checked against the reference table."""

    key: str
    areas: Callable[[], list[reference.Area]]
    column: Any  # the School column the codes are compared with
    shape: Any  # message: how to give the value
    unknown: Callable[[str], Any]  # message naming the unknown codes
    summary: Callable[[str], Any]  # message for describe()
    item_schema: dict[str, Any]  # the JSON Schema of one code, for the OpenAPI document
    normalise: Callable[[str], str] = str

    def parse(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
            raise TargetingError(self.key, str(self.shape))
        known = reference.names(self.areas())
        codes: set[str] = set()
        bad: list[str] = []
        unknown: list[str] = []
        for item in value:
            text = item.strip().upper() if isinstance(item, str) else ""
            try:
                code = self.normalise(text)
            except ValueError:
                bad.append(_shown(text or repr(item)))
                continue
            if not re.fullmatch(self.item_schema["pattern"], code):
                bad.append(_shown(text or repr(item)))
            elif code in known:
                codes.add(code)
            else:
                unknown.append(_shown(text))
        if bad or unknown:
            # Only codes of the documented form that name no area are "unresolvable".
            raise TargetingError(
                self.key,
                str(self.unknown(_listing(sorted(set(bad + unknown))))),
                unresolvable=not bad,
            )
        return sorted(codes)

    def schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", **self.item_schema},
            "minItems": 1,
            "maxItems": MAX_ITEMS,
        }

    def criterion(self, codes: list[str]) -> ColumnElement[bool]:
        return self.column.in_(codes)

    def describe(self, codes: list[str]) -> str:
        known = reference.names(self.areas())
        return str(self.summary(_listing([f"{known.get(code, code)} ({code})" for code in codes])))


POLICE_UNITS = CodeList(
    key="police_units",
    areas=reference.police_units,
    column=School.police_unit_code,
    shape=_l("Choose police units as a list of codes, RE01 to RE10."),
    unknown=lambda codes: _l("Unknown police unit: %(codes)s.", codes=codes),
    summary=lambda areas: _l("Police units: %(areas)s", areas=areas),
    item_schema={"pattern": "^[Rr][Ee](?:0[1-9]|10)$", "description": "RE01 to RE10"},
)
PROVINCES = CodeList(
    key="provinces",
    areas=reference.provinces,
    column=School.province_code,
    shape=_l("Choose provinces as a list of codes, PV20 to PV31."),
    unknown=lambda codes: _l("Unknown province: %(codes)s.", codes=codes),
    summary=lambda areas: _l("Provinces: %(areas)s", areas=areas),
    item_schema={"pattern": "^[Pp][Vv](?:2[0-9]|3[01])$", "description": "PV20 to PV31"},
)
MUNICIPALITIES = CodeList(
    key="municipalities",
    areas=reference.municipalities,
    column=School.municipality_code,
    shape=_l("Choose municipalities as a list of CBS codes such as GM0363."),
    unknown=lambda codes: _l("Unknown municipality: %(codes)s.", codes=codes),
    summary=lambda areas: _l("Municipalities: %(areas)s", areas=areas),
    item_schema={
        "pattern": "^(?:[Gg][Mm])?[0-9]{1,4}$",
        "description": "CBS code, GM0363 (or 363)",
    },
    normalise=municipality_code,  # 363, 0363 and GM0363 all mean GM0363
)


# -- postcodes ---------------------------------------------------------------------------------


def parse_postcodes(value: Any) -> list[str]:
    """PC4 areas (``"3500"``) and inclusive ranges (``"1000-1099"``), sorted, without repeats.

    A range written high to low (``"1099-1000"``) is the same range."""
    if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
        raise TargetingError(
            "postcodes",
            str(_l("Give a list of postcode areas such as 3500 and ranges such as 1000-1099.")),
        )
    entries: set[tuple[str, str]] = set()
    malformed = []
    for item in value:
        if not isinstance(item, str):
            malformed.append(_shown(repr(item)))
            continue
        text = re.sub(r"[ \t]+", "", item).replace("\u2013", "-")  # spaces; an en dash
        match = PC4.fullmatch(text)
        if match is None:
            malformed.append(_shown(str(item).strip() or repr(item)))
        else:
            low, high = sorted((match[1], match[2] or match[1]))
            entries.add((low, high))
    if malformed:
        raise TargetingError(
            "postcodes",
            str(
                _l(
                    "Not a postcode area (four digits, 1000 to 9999) or range: %(values)s.",
                    values=_listing(malformed),
                )
            ),
        )
    return [low if low == high else f"{low}-{high}" for low, high in sorted(entries)]


def postcodes_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string", "pattern": POSTCODE_PATTERN},
        "minItems": 1,
        "maxItems": MAX_ITEMS,
        "description": "PC4 areas (3500) and ranges (1000-1099)",
    }


def postcode_ranges(entries: list[str]) -> list[tuple[int, int]]:
    """The entries as merged inclusive ranges of PC4 numbers."""
    ranges = sorted((int(entry[:4]), int(entry[-4:])) for entry in entries)  # "3500" → (3500, 3500)
    merged: list[tuple[int, int]] = []
    for low, high in ranges:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def postcode_criterion(entries: list[str]) -> ColumnElement[bool]:
    """The four digits of ``School.postcode`` (always ``1234 AB``) within one of the ranges.

    All PC4 values have four digits, so comparing them as text orders them as numbers."""
    pc4 = func.substr(School.postcode, 1, 4)
    ranges = postcode_ranges(entries)
    singles = [str(low) for low, high in ranges if low == high]
    clauses = [pc4.between(str(low), str(high)) for low, high in ranges if low != high]
    if singles:
        clauses.append(pc4.in_(singles))
    return or_(*clauses)


def describe_postcodes(entries: list[str]) -> str:
    return str(
        _l(
            "Postcode areas: %(areas)s",
            areas=_listing([entry.replace("-", "\u2013") for entry in entries]),
        )
    )


# -- radius ------------------------------------------------------------------------------------

RADIUS_FIELDS = ("lat", "lon", "km")


def parse_radius(value: Any) -> dict[str, float]:
    """``{"lat", "lon", "km"}``: a circle around a point (WGS84 decimal degrees)."""
    if not isinstance(value, dict):
        raise TargetingError(
            "radius", str(_l("Give the radius as an object with lat, lon and km."))
        )
    extra = sorted(str(key) for key in value if key not in RADIUS_FIELDS)
    if extra:
        raise TargetingError(
            "radius",
            str(_l("Unexpected field in the radius: %(fields)s.", fields=", ".join(extra))),
        )
    lat = _number(value.get("lat"), 6, _l("Give the latitude of the centre (lat) in degrees."))
    lon = _number(value.get("lon"), 6, _l("Give the longitude of the centre (lon) in degrees."))
    km = _number(value.get("km"), 3, _l("Give the radius in kilometres (km)."))
    maximum = current_settings().max_radius_km
    if not -90 <= lat <= 90:
        raise TargetingError("radius", str(_l("The latitude must lie between -90 and 90.")))
    if not -180 <= lon <= 180:
        raise TargetingError("radius", str(_l("The longitude must lie between -180 and 180.")))
    if km <= 0:
        raise TargetingError("radius", str(_l("The radius must be more than 0 km.")))
    if km > COUNTRY_KM:
        raise TargetingError(
            "radius",
            str(_l("A radius of more than %(max)d km is larger than the country.", max=COUNTRY_KM)),
        )
    if km > maximum:
        raise TargetingError(
            "radius",
            str(
                _l("The radius may be at most %(max)d km (set by the administrator).", max=maximum)
            ),
        )
    if geo.distance_to_netherlands_km(lat, lon) > km:
        raise TargetingError(
            "radius",
            str(
                _l(
                    "The circle does not reach the Netherlands: check the centre "
                    "(latitude first, then longitude)."
                )
            ),
            unresolvable=True,
        )
    return {"lat": lat, "lon": lon, "km": km}


def radius_schema() -> dict[str, Any]:
    """The circle's JSON Schema (the radius is read to the metre)."""
    return {
        "type": "object",
        "required": list(RADIUS_FIELDS),
        "additionalProperties": False,
        "properties": {
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "km": {
                "type": "number",
                "minimum": 0.001,
                "maximum": min(COUNTRY_KM, current_settings().max_radius_km),
            },
        },
        "description": "a circle around a point (WGS84 degrees) that reaches the Netherlands",
    }


def radius_criterion(circle: dict[str, float]) -> ColumnElement[bool]:
    return geo.within_radius(
        School.latitude, School.longitude, circle["lat"], circle["lon"], circle["km"]
    )


def describe_radius(circle: dict[str, float]) -> str:
    return str(
        _l(
            "Within %(km)s km of %(lat)s° N, %(lon)s° E",
            km=format_decimal(circle["km"], format="#,##0.###"),
            lat=format_decimal(circle["lat"], format="0.0#####"),
            lon=format_decimal(circle["lon"], format="0.0#####"),
        )
    )


def _number(value: Any, digits: int, message: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TargetingError("radius", str(message))
    try:
        number = float(value)  # an integer of hundreds of digits does not fit a float
    except OverflowError:
        raise TargetingError("radius", str(message)) from None
    if not math.isfinite(number):
        raise TargetingError("radius", str(message))
    return round(number, digits)


def _shown(text: str) -> str:
    """A bad value as a message repeats it: briefly."""
    return text if len(text) <= 20 else text[:19] + "\u2026"


def _listing(items: list[str]) -> str:
    if len(items) <= SHOWN_IN_SUMMARY:
        return ", ".join(items)
    shown = ", ".join(items[:SHOWN_IN_SUMMARY])
    return str(_l("%(items)s and %(count)d more", items=shown, count=len(items) - SHOWN_IN_SUMMARY))


# -- the selectors -----------------------------------------------------------------------------


def selectors() -> list[TargetingSelector]:
    code_lists = [
        (POLICE_UNITS, _l("Police units"), reference.police_units),
        (PROVINCES, _l("Provinces"), reference.provinces),
        (MUNICIPALITIES, _l("Municipalities"), reference.municipalities_by_province),
    ]
    return [
        *(
            RegionalSelector(
                key=kind.key,
                label=label,
                parse=kind.parse,
                criterion=kind.criterion,
                form_template=f"regional/{kind.key}.html",
                from_form=form_input.code_list_reader(kind.key),
                describe=kind.describe,
                schema=kind.schema,
                options=options,
            )
            for kind, label, options in code_lists
        ),
        RegionalSelector(
            key="postcodes",
            label=_l("Postcode areas"),
            parse=parse_postcodes,
            criterion=postcode_criterion,
            form_template="regional/postcodes.html",
            from_form=form_input.read_postcodes,
            describe=describe_postcodes,
            schema=postcodes_schema,
        ),
        RegionalSelector(
            key="radius",
            label=_l("Radius around a point"),
            parse=parse_radius,
            criterion=radius_criterion,
            form_template="regional/radius.html",
            from_form=form_input.read_radius,
            describe=describe_radius,
            schema=radius_schema,
            map_circles=lambda circle: [(circle["lat"], circle["lon"], circle["km"])],
            options=current_settings,
        ),
    ]

"""The targeting preview the police see: count, per police unit, the list and a map.

While an alert is a draft or submitted the preview is computed from its targeting now; once it
is published the frozen recipient set is shown instead — what the schools actually received.

For an exercise both the targeted locations and the faint "other" ones on the map are only those
opted in to exercises: the preview shows what the exercise can reach, whichever targeting plugin
chose the schools (the rule is applied here and in :func:`targeting.targeting_clause`, not by
each selector).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import select

from schoolalert.alerts.maps import Circle, school_map
from schoolalert.alerts.models import Alert, AlertRecipient, AlertStatus
from schoolalert.alerts.targeting import (
    PreviewSchool,
    available_selectors,
    load_preview,
    parse_targeting,
    preview,
    preview_select,
)
from schoolalert.consent.exercises import exercising_clause
from schoolalert.consent.participation import participating_clause
from schoolalert.errors import InvalidInput
from schoolalert.extensions import db
from schoolalert.schools.geography import MunicipalityRef, reference_geography
from schoolalert.schools.models import School

LIST_LIMIT = 500  # rows listed on the page; the count and the map always cover all


@dataclass(frozen=True)
class UnitCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class TargetingPreview:
    schools: list[PreviewSchool]
    units: list[UnitCount]
    map_svg: Markup
    frozen: bool = False
    others: int = 0  # eligible locations not targeted (faint on the map)
    circles: int = 0  # radius circles drawn
    exercise: bool = False  # eligible means opted in to exercises too

    @property
    def count(self) -> int:
        return len(self.schools)

    @property
    def listed(self) -> list[PreviewSchool]:
        return self.schools[:LIST_LIMIT]


def targeting_preview(raw: Any, *, exercise: bool = False) -> TargetingPreview:
    """The preview of a targeting object as an investigator wrote it (InvalidInput if bad)."""
    parsed = parse_targeting(raw)
    return build(preview(parsed, exercise=exercise), circles=map_circles(parsed), exercise=exercise)


def alert_preview(alert: Alert) -> TargetingPreview:
    """For an alert the caller may see: its frozen recipients once published, else its targeting."""
    if alert.status in (AlertStatus.PUBLISHED, AlertStatus.CLOSED):
        try:
            circles = map_circles(parse_targeting(alert.targeting))
        except InvalidInput:  # a selector's plugin was disabled since: no circle to draw
            circles = []
        return build(
            frozen_recipients(alert.id), frozen=True, circles=circles, exercise=alert.exercise
        )
    return targeting_preview(alert.targeting, exercise=alert.exercise)


def map_circles(parsed: dict[str, Any]) -> list[Circle]:
    """The circles the selectors of ``parsed`` ask the map to draw (a radius)."""
    selectors = available_selectors()
    circles: list[Circle] = []
    for key, value in parsed.items():
        selector = selectors.get(key)
        if selector is not None and selector.map_circles is not None:
            circles += selector.map_circles(value)
    return circles


def frozen_recipients(alert_id: int) -> list[PreviewSchool]:
    return load_preview(
        preview_select()
        .join(AlertRecipient, AlertRecipient.school_id == School.id)
        .where(AlertRecipient.alert_id == alert_id)
    )


def build(
    schools: list[PreviewSchool],
    *,
    frozen: bool = False,
    circles: list[Circle] | None = None,
    exercise: bool = False,
) -> TargetingPreview:
    names = police_unit_names()
    counts = Counter(school.police_unit for school in schools)
    units = [UnitCount(code, names.get(code, code), counts[code]) for code in sorted(counts)]
    chosen = {school.code for school in schools}
    eligible = [School.active.is_(True), participating_clause()]
    if exercise:
        eligible.append(exercising_clause())
    others = [
        (lat, lon)
        for code, lat, lon in db.session.execute(
            select(School.code, School.latitude, School.longitude).where(*eligible)
        )
        if code not in chosen
    ]
    if exercise:
        label = ngettext(
            "Map: %(num)d targeted school location and the other ones taking part in exercises",
            "Map: %(num)d targeted school locations and the other ones taking part in exercises",
            len(schools),
        )
    else:
        label = ngettext(
            "Map: %(num)d targeted school location and the other participating ones",
            "Map: %(num)d targeted school locations and the other participating ones",
            len(schools),
        )
    return TargetingPreview(
        schools=schools,
        units=units,
        map_svg=school_map(
            others,
            [(school.latitude, school.longitude) for school in schools],
            label=str(label),
            circles=circles or [],
        ),
        frozen=frozen,
        others=len(others),
        circles=len(circles or []),
        exercise=exercise,
    )


def police_unit_names() -> dict[str, str]:
    return {place.police_unit_code: place.police_unit_name for place in municipalities()}


def municipalities() -> list[MunicipalityRef]:
    return list(reference_geography().municipalities.values())

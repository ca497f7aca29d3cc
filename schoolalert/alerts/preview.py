"""The targeting preview the police see: count, per police unit, the list and a map.

While an alert is a draft or submitted the preview is computed from its targeting now; once it
is published the frozen recipient set is shown instead — what the schools actually received.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from schoolalert.alerts.maps import school_map
from schoolalert.alerts.models import Alert, AlertRecipient, AlertStatus
from schoolalert.alerts.targeting import (
    PreviewSchool,
    load_preview,
    parse_targeting,
    preview,
    preview_select,
)
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

    @property
    def count(self) -> int:
        return len(self.schools)

    @property
    def listed(self) -> list[PreviewSchool]:
        return self.schools[:LIST_LIMIT]


def targeting_preview(raw: Any) -> TargetingPreview:
    """The preview of a targeting object as an investigator wrote it (InvalidInput if bad)."""
    return build(preview(parse_targeting(raw)))


def alert_preview(alert: Alert) -> TargetingPreview:
    """For an alert the caller may see: its frozen recipients once published, else its targeting."""
    if alert.status in (AlertStatus.PUBLISHED, AlertStatus.CLOSED):
        return build(frozen_recipients(alert.id), frozen=True)
    return targeting_preview(alert.targeting)


def frozen_recipients(alert_id: int) -> list[PreviewSchool]:
    return load_preview(
        preview_select()
        .join(AlertRecipient, AlertRecipient.school_id == School.id)
        .where(AlertRecipient.alert_id == alert_id)
    )


def build(schools: list[PreviewSchool], *, frozen: bool = False) -> TargetingPreview:
    names = police_unit_names()
    counts = Counter(school.police_unit for school in schools)
    units = [UnitCount(code, names.get(code, code), counts[code]) for code in sorted(counts)]
    everywhere = db.session.execute(
        select(School.latitude, School.longitude).where(School.active.is_(True))
    ).all()
    label = _l("Map: %(count)d school locations targeted", count=len(schools))
    return TargetingPreview(
        schools=schools,
        units=units,
        map_svg=school_map(
            [(lat, lon) for lat, lon in everywhere],
            [(school.latitude, school.longitude) for school in schools],
            label=str(label),
            land=[(place.latitude, place.longitude) for place in municipalities()],
        ),
        frozen=frozen,
    )


def police_unit_names() -> dict[str, str]:
    return {place.police_unit_code: place.police_unit_name for place in municipalities()}


def municipalities() -> list[MunicipalityRef]:
    return list(reference_geography().municipalities.values())

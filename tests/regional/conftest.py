"""A map of participating schools for regional targeting, an investigator and a prosecutor,
with helpers to switch the plugin and ask the preview API."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from plugins.regional.geo import DEGREE, EARTH_RADIUS_KM
from schoolalert.alerts.models import AlertRecipient
from schoolalert.extensions import db
from schoolalert.plugin_admin import services
from schoolalert.schools.models import School
from schoolalert.transaction import commit
from tests.alerts.conftest import World
from tests.alerts.participation import accept_statement, grant

# The real national file and its import, as the school registry's tests use them.
from tests.schools.conftest import national_file, run_import  # noqa: F401

# Where the named schools lie: municipality, PC4 (their police unit and province follow from the
# reference table — the edge cases are Hilversum, Amstelveen and Altena).
PLACES = {
    "amsterdam": ("GM0363", "1011"),  # RE05 Amsterdam, PV27 Noord-Holland
    "amstelveen": ("GM0362", "1181"),  # RE05 Amsterdam, although not the city
    "hilversum": ("GM0402", "1211"),  # RE03 Midden-Nederland, although in Noord-Holland
    "utrecht": ("GM0344", "3511"),  # RE03, PV26 Utrecht
    "rotterdam": ("GM0599", "3011"),  # RE07 Rotterdam, PV28 Zuid-Holland
    "altena": ("GM1959", "4251"),  # RE08 Zeeland - West-Brabant, although in Noord-Brabant
    "eindhoven": ("GM0772", "5611"),  # RE09 Oost-Brabant, PV30 Noord-Brabant
    "groningen": ("GM0014", "9711"),  # RE01 Noord-Nederland, PV20
}


def enable(app: Flask, enabled: bool = True) -> None:
    with app.app_context():
        services.set_enabled(app.extensions["schoolalert.plugins"], "regional", enabled, actor=None)
        commit()


def destination(lat: float, lon: float, km: float, bearing_degrees: float) -> tuple[float, float]:
    """The point ``km`` along a great circle from (lat, lon) in the given direction."""
    angle, bearing = km / EARTH_RADIUS_KM, bearing_degrees * DEGREE
    phi, lam = lat * DEGREE, lon * DEGREE
    phi2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi2),
    )
    return phi2 / DEGREE, lam2 / DEGREE


@dataclass
class RegionalWorld(World):
    named: dict[str, Any] = field(default_factory=dict)

    def api(self, method: str, path: str, user: Any, *, language: str = "en", **kwargs: Any):
        """As ``World.api``, in English unless told (the API follows ``Accept-Language``)."""
        headers = self.headers(user) | {"Accept-Language": language}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def preview(self, targeting: dict[str, Any], user: Any = None):
        return self.api(
            "POST", "/targeting/preview", user or self.investigator, json={"targeting": targeting}
        )

    def reached(self, targeting: dict[str, Any]) -> set[str]:
        """The names of the schools the preview lists (codes of unnamed schools as they are)."""
        response = self.preview(targeting)
        assert response.status_code == 200, response.json
        assert response.json["count"] == len(response.json["schools"])
        names = {school.code: name for name, school in self.named.items()}
        return {names.get(row["code"], row["code"]) for row in response.json["schools"]}

    def add(self, name: str, municipality: str, pc4: str | None = None, **fields: Any) -> Any:
        school = self.extra["make_school"](
            self.extra["board"], municipality=municipality, pc4=pc4, **fields
        )
        if fields.get("active", True):
            grant(self.app, school)
        self.named[name] = school
        return school

    def recipients(self, alert_id: int) -> set[str]:
        with self.app.app_context():
            codes = db.session.scalars(
                select(School.code)
                .join(AlertRecipient, AlertRecipient.school_id == School.id)
                .where(AlertRecipient.alert_id == alert_id)
            )
            names = {school.code: name for name, school in self.named.items()}
            return {names.get(code, code) for code in codes}


@pytest.fixture
def regional(app, client, bearer, make_user, make_board, make_school) -> RegionalWorld:
    """The plugin enabled, the schools of ``PLACES`` participating, and one staff member at
    Amsterdam and at Groningen."""
    enable(app)
    board = make_board()
    world = RegionalWorld(
        app=app,
        client=client,
        headers=bearer,
        investigator=make_user("investigator"),
        prosecutor=make_user("prosecutor"),
        schools=[],
        staff=[],
        outsider_school=None,
        outsider=None,
        extra={"make_school": make_school, "board": board, "make_user": make_user},
    )
    for name, (municipality, pc4) in PLACES.items():
        world.add(name, municipality, pc4)
    world.schools = [world.named["amsterdam"], world.named["groningen"]]
    world.staff = [make_user("school_staff", school_id=school.id) for school in world.schools]
    for user in world.staff:
        accept_statement(app, user)
    return world

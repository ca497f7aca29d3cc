"""Bad targeting values are refused with a 422 that names the selector and the problem, and
nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plugins.regional.settings import RegionalSettings, change_settings
from schoolalert.accounts.models import User
from schoolalert.alerts.models import Alert, AlertStatus
from schoolalert.extensions import db
from schoolalert.transaction import commit

CENTRE = {"lat": 52.3731, "lon": 4.8922}

BAD_VALUES = [
    ("police_units", ["RE11"], "Unknown police unit: RE11."),
    ("police_units", ["RE05", "PV27", "nonsense"], "Unknown police unit: NONSENSE, PV27."),
    ("police_units", "RE05", "list of codes"),
    ("police_units", [], "list of codes"),
    ("police_units", [True], "Unknown police unit"),
    ("provinces", ["PV19"], "Unknown province: PV19."),
    ("provinces", ["PV32", "PV27"], "Unknown province: PV32."),
    ("provinces", {"PV27": True}, "list of codes"),
    ("municipalities", ["GM9999"], "Unknown municipality: GM9999."),
    ("municipalities", ["GM0003"], "Unknown municipality: GM0003."),  # merged away before 2025
    ("municipalities", ["Amsterdam"], "Unknown municipality: AMSTERDAM."),
    ("municipalities", ["x" * 5000], "Unknown municipality: " + "X" * 19 + "\u2026."),
    ("municipalities", [{"code": "GM0363"}], "Unknown municipality: {'code': 'GM0363'}"),
    ("postcodes", ["123"], "Not a postcode area"),
    ("postcodes", ["0999"], "Not a postcode area"),
    ("postcodes", ["1011 AB"], "1011 AB"),
    ("postcodes", ["1000-"], "Not a postcode area"),
    ("postcodes", ["1000-1099-1199"], "Not a postcode area"),
    ("postcodes", ["10000"], "Not a postcode area"),
    ("postcodes", [None], "Not a postcode area"),
    ("postcodes", "1000-1099", "Give a list of postcode areas"),
    ("radius", [52.37, 4.89, 10], "an object with lat, lon and km"),
    ("radius", {"lat": 52.37, "lon": 4.89}, "radius in kilometres"),
    ("radius", {"lon": 4.89, "km": 5}, "latitude of the centre"),
    ("radius", {"lat": "52.37", "lon": 4.89, "km": 5}, "latitude of the centre"),
    ("radius", {"lat": 52.37, "lon": True, "km": 5}, "longitude of the centre"),
    ("radius", CENTRE | {"km": 5, "unit": "mi"}, "Unexpected field in the radius: unit."),
    ("radius", {"lat": 90.5, "lon": 4.89, "km": 5}, "latitude must lie between -90 and 90"),
    ("radius", {"lat": -91, "lon": 4.89, "km": 5}, "latitude must lie between -90 and 90"),
    ("radius", {"lat": 52.37, "lon": 180.01, "km": 5}, "between -180 and 180"),
    ("radius", {"lat": 52.37, "lon": -200, "km": 5}, "between -180 and 180"),
    ("radius", CENTRE | {"km": 0}, "more than 0 km"),
    ("radius", CENTRE | {"km": -3}, "more than 0 km"),
    ("radius", CENTRE | {"km": 0.0001}, "more than 0 km"),
    ("radius", CENTRE | {"km": 51}, "at most 50 km (set by the administrator)"),
    ("radius", CENTRE | {"km": 301}, "more than 300 km is larger than the country"),
    ("radius", {"lat": 4.8922, "lon": 52.3731, "km": 50}, "does not reach the Netherlands"),
]


# Of the documented form, but naming nothing: unknown areas, a circle beside the country.
UNRESOLVABLE = {"GM9999", "GM0003", "does not reach the Netherlands"}


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES)
def test_bad_values_are_refused_naming_the_selector_and_the_problem(regional, key, value, message):
    response = regional.preview({key: value})
    assert response.status_code == 422, response.json
    unresolvable = any(part in message for part in UNRESOLVABLE)
    assert response.json["error"]["code"] == ("unresolvable" if unresolvable else "unprocessable")
    assert message in response.json["error"]["message"]


def test_a_postcode_range_written_high_to_low_is_the_same_range(regional):
    response = regional.preview({"postcodes": ["1099-1000"]})
    assert response.status_code == 200
    assert response.json == regional.preview({"postcodes": ["1000-1099"]}).json


def draft_body(targeting):
    return {
        "case_reference": "ZAAK-2026-0042",
        "justification": "Abuse established in the Netherlands; other means exhausted.",
        "description": "Girl of about seven, blue striped T-shirt with a star.",
        "age_estimate": "6-8",
        "targeting": targeting,
    }


def alert_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Alert))


@pytest.mark.parametrize(
    "targeting",
    [
        {"police_units": ["RE05"], "postcodes": ["0999"]},
        {"radius": CENTRE | {"km": 400}, "schools": []},
        {"municipalities": ["GM0363"], "provinces": ["PV99"]},
    ],
)
def test_a_draft_with_a_bad_value_is_not_saved(regional, targeting):
    response = regional.api("POST", "/alerts", regional.investigator, json=draft_body(targeting))
    assert response.status_code == 422
    assert alert_count(regional.app) == 0


def test_a_draft_update_with_a_bad_value_changes_nothing(regional):
    alert_id = regional.draft(targeting={"police_units": ["RE05"]})
    body = draft_body({"police_units": ["RE05"], "radius": CENTRE | {"km": -1}})
    response = regional.api("PUT", f"/alerts/{alert_id}", regional.investigator, json=body)
    assert response.status_code == 422
    alert = regional.api("GET", f"/alerts/{alert_id}", regional.investigator).json
    assert alert["targeting"] == {"police_units": ["RE05"]}


def test_an_empty_set_at_submission_is_refused_and_the_draft_stays(regional):
    # Valid, but no participating school lies in the Limburg unit of this map.
    alert_id = regional.draft(targeting={"police_units": ["RE10"], "postcodes": ["8000-8099"]})
    assert regional.preview({"police_units": ["RE10"]}).json["count"] == 0
    assert regional.upload(alert_id).status_code == 201
    response = regional.api("POST", f"/alerts/{alert_id}/submit", regional.investigator)
    assert response.status_code == 409
    assert "No participating school matches the targeting" in response.json["error"]["message"]
    with regional.app.app_context():
        assert db.session.get(Alert, alert_id).status is AlertStatus.DRAFT


def test_the_maximum_radius_follows_the_settings_and_never_passes_the_country(regional):
    circle = CENTRE | {"km": 120}
    assert regional.preview({"radius": circle}).status_code == 422
    admin = regional.extra["make_user"]("admin")
    with regional.app.app_context():
        change_settings(db.session.get(User, admin.id), RegionalSettings(max_radius_km=300))
        commit()
    response = regional.preview({"radius": circle})
    assert response.status_code == 200
    assert response.json["count"] > 0
    assert regional.preview({"radius": CENTRE | {"km": 300}}).status_code == 200
    assert regional.preview({"radius": CENTRE | {"km": 300.5}}).status_code == 422


def test_messages_are_translated(regional):
    response = regional.api(
        "POST",
        "/targeting/preview",
        regional.investigator,
        json={"targeting": {"police_units": ["RE11"]}},
        language="nl",
    )
    assert response.status_code == 422
    assert response.json["error"]["message"] == "Onbekende politie-eenheid: RE11."

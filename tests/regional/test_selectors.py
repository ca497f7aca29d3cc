"""Each selector alone and combined, through the preview API (CONTRACT §4)."""

from __future__ import annotations

import pytest

from tests.alerts.participation import withdraw
from tests.regional.conftest import PLACES, destination

NOORD_HOLLAND = {"amsterdam", "amstelveen", "hilversum"}


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (["RE05"], {"amsterdam", "amstelveen"}),  # Amstelveen belongs to the Amsterdam unit
        (["RE03"], {"hilversum", "utrecht"}),  # Hilversum: Noord-Holland, yet Midden-Nederland
        (["RE04"], set()),  # Noord-Holland unit: none of the Noord-Holland schools above
        (["RE08"], {"altena"}),  # Altena: Noord-Brabant, yet Zeeland - West-Brabant
        (["RE09"], {"eindhoven"}),
        (["RE01", "RE07"], {"groningen", "rotterdam"}),
    ],
)
def test_police_units(regional, units, expected):
    assert regional.reached({"police_units": units}) == expected


def test_provinces(regional):
    assert regional.reached({"provinces": ["PV27"]}) == NOORD_HOLLAND
    assert regional.reached({"provinces": ["PV30"]}) == {"altena", "eindhoven"}
    assert regional.reached({"provinces": ["PV26", "PV20"]}) == {"utrecht", "groningen"}


def test_municipalities(regional):
    assert regional.reached({"municipalities": ["GM0402"]}) == {"hilversum"}
    assert regional.reached({"municipalities": ["GM0362", "GM1959"]}) == {"amstelveen", "altena"}


def test_codes_are_normalised_and_the_normal_form_is_stored(regional):
    response = regional.api(
        "POST",
        "/alerts",
        regional.investigator,
        json={
            "case_reference": "ZAAK-1",
            "justification": "Established abuse; other means exhausted.",
            "description": "Girl of about seven.",
            "age_estimate": "6-8",
            "targeting": {
                "municipalities": ["gm0402", "402", "363"],
                "police_units": ["re05", "RE05"],
                "postcodes": ["3599 - 3500", " 1011", "1011"],
                "radius": {"lat": 52.0907374, "lon": 5.1214201, "km": 5},
            },
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["targeting"] == {
        "municipalities": ["GM0363", "GM0402"],
        "police_units": ["RE05"],
        "postcodes": ["1011", "3500-3599"],
        "radius": {"lat": 52.090737, "lon": 5.12142, "km": 5.0},
    }


def test_postcode_ranges_include_both_ends_and_nothing_beyond(regional):
    for pc4 in ("1119", "1120", "1130", "1139", "1140", "9999"):
        regional.add(f"pc{pc4}", "GM0363", pc4, postcode=f"{pc4} XY")
    assert regional.reached({"postcodes": ["1120-1139"]}) == {"pc1120", "pc1130", "pc1139"}
    assert regional.reached({"postcodes": ["1119"]}) == {"pc1119"}
    assert regional.reached({"postcodes": ["1139-1140", "1011"]}) == {
        "pc1139",
        "pc1140",
        "amsterdam",
    }
    assert regional.reached({"postcodes": ["9999"]}) == {"pc9999"}
    assert regional.reached({"postcodes": ["1000-1119", "1120"]}) == {
        "amsterdam",
        "pc1119",
        "pc1120",
    }
    assert regional.reached({"postcodes": ["9000-9998"]}) == {"groningen"}


@pytest.mark.parametrize("bearing", [0, 90, 180, 270, 45])
def test_a_radius_includes_a_school_at_9_km_and_excludes_one_at_18_km(regional, bearing):
    centre = (53.2167, 6.5696)  # Groningen, the nearest other school is 85 km away
    near = destination(*centre, 9, bearing)
    far = destination(*centre, 18, bearing)
    regional.add("near", "GM0014", latitude=near[0], longitude=near[1])
    regional.add("far", "GM0014", latitude=far[0], longitude=far[1])
    circle = {"lat": centre[0], "lon": centre[1], "km": 10}
    assert regional.reached({"radius": circle}) == {"near", "groningen"}
    assert regional.reached({"radius": circle | {"km": 8.9}}) == {"groningen"}
    assert regional.reached({"radius": circle | {"km": 18.1}}) == {"near", "far", "groningen"}
    assert regional.reached({"radius": circle | {"km": 17.9}}) == {"near", "groningen"}


def test_selectors_are_united_then_exclude_removes_codes(regional):
    named = regional.named
    targeting = {
        "police_units": ["RE03"],
        "provinces": ["PV20"],
        "municipalities": ["GM0599"],
        "postcodes": ["5611"],
        "radius": {"lat": 52.3731, "lon": 4.8922, "km": 3},
        "schools": [named["altena"].code],
    }
    everything = {"hilversum", "utrecht", "groningen", "rotterdam", "eindhoven", "amsterdam"}
    assert regional.reached(targeting) == everything | {"altena"}
    excluded = [named["utrecht"].code, named["altena"].code, named["amstelveen"].code]
    assert regional.reached(targeting | {"exclude": excluded}) == everything - {"utrecht"}


def test_a_school_reached_twice_is_counted_once(regional):
    response = regional.preview({"provinces": ["PV27"], "police_units": ["RE05"]})
    assert response.json["count"] == 3
    codes = [school["code"] for school in response.json["schools"]]
    assert len(codes) == len(set(codes)) == 3


def test_non_participating_schools_are_never_counted(regional, make_school):
    from schoolalert.consent.participation import school_participates

    closed = regional.add("closed", "GM0363", "1011", active=False)
    withdrawn = regional.add("withdrawn", "GM0363", "1012")
    withdraw(regional.app, withdrawn)
    reached = regional.reached({"municipalities": ["GM0363"], "postcodes": ["1011-1012"]})
    assert "closed" not in reached
    with regional.app.app_context():
        assert not school_participates(closed.id)
        assert ("withdrawn" in reached) == school_participates(withdrawn.id)
    assert reached - {"withdrawn"} == {"amsterdam"}
    assert regional.reached({"all": True}) == set(PLACES) | (reached & {"withdrawn"})


def test_the_preview_lists_code_name_municipality_and_police_unit(regional):
    response = regional.preview({"municipalities": ["GM0402", "GM0362"]})
    assert response.status_code == 200
    school = regional.named["hilversum"]
    assert response.json["count"] == 2
    assert {
        "code": school.code,
        "name": school.name,
        "municipality": "Hilversum",
        "police_unit": "RE03",
    } in response.json["schools"]


def test_only_police_may_preview(regional):
    staff = regional.staff[0]
    assert regional.preview({"police_units": ["RE05"]}, user=staff).status_code == 403
    assert regional.preview({"police_units": ["RE05"]}, user=regional.prosecutor).status_code == 200

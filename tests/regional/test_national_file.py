"""Every selector over the real DUO national file (6,804 locations), when ``../shared/data``
has it: the SQL criteria select exactly what a plain Python reading of the registry selects."""

from __future__ import annotations

from sqlalchemy import select

from plugins.regional.geo import great_circle_km
from schoolalert.consent.participation import participating_clause
from schoolalert.extensions import db
from schoolalert.schools.models import Municipality, School
from tests.regional.conftest import enable

CIRCLES = [
    {"lat": 52.3731, "lon": 4.8922, "km": 10},  # the Dam, Amsterdam
    {"lat": 52.0907, "lon": 5.1214, "km": 25},  # Utrecht
    {"lat": 53.2194, "lon": 6.5665, "km": 50},  # Groningen
    {"lat": 50.8514, "lon": 5.6910, "km": 7.5},  # Maastricht, on the border
]


def test_each_selector_over_the_national_registry(app, run_import, national_file):
    run_import(national_file.read_bytes(), national_file.name)
    enable(app)
    with app.test_request_context():
        selectors = {
            key: selector
            for key, (_owner, selector) in app.extensions["schoolalert.targeting"].items()
        }
        schools = db.session.execute(select(School)).scalars().all()
        rows = [
            (
                s.code,
                s.police_unit_code,
                s.province_code,
                s.municipality_code,
                s.postcode[:4],
                s.latitude,
                s.longitude,
            )
            for s in schools
        ]

        def resolved(key, value):
            selector = selectors[key]
            criterion = selector.criterion(selector.parse(value))
            return set(db.session.scalars(select(School.code).where(criterion)))

        def where(test):
            return {row[0] for row in rows if test(row)}

        assert len(rows) == 6804
        units = [f"RE{number:02d}" for number in range(1, 11)]
        for unit in units:
            assert resolved("police_units", [unit]) == where(lambda row, unit=unit: row[1] == unit)
        assert len(resolved("police_units", units)) == 6804
        for province in {row[2] for row in rows}:
            assert resolved("provinces", [province]) == where(lambda row, p=province: row[2] == p)
        municipalities = db.session.scalars(select(Municipality.code)).all()
        assert len(resolved("municipalities", municipalities)) == 6804
        assert resolved("municipalities", ["GM0402"]) == where(lambda row: row[3] == "GM0402")

        postcodes = ["1000-1099", "3500", "3511-3512", "9700-9799", "6200-6229"]
        expected = where(
            lambda row: (
                1000 <= int(row[4]) <= 1099
                or row[4] in {"3500", "3511", "3512"}
                or 9700 <= int(row[4]) <= 9799
                or 6200 <= int(row[4]) <= 6229
            )
        )
        assert len(expected) > 200
        assert resolved("postcodes", postcodes) == expected

        for circle in CIRCLES:
            distance = {
                row[0]: great_circle_km(circle["lat"], circle["lon"], row[5], row[6])
                for row in rows
            }
            clear = {code for code, km in distance.items() if abs(km - circle["km"]) > 0.001}
            inside = resolved("radius", circle)
            assert inside & clear == {code for code in clear if distance[code] <= circle["km"]}
            assert inside, circle


def test_the_preview_over_the_whole_country(app, run_import, national_file, bearer, make_user):
    run_import(national_file.read_bytes(), national_file.name)
    enable(app)
    headers = bearer(make_user("investigator")) | {"Accept-Language": "en"}
    targeting = {
        "police_units": ["RE01", "RE02", "RE03", "RE04", "RE05"],
        "provinces": ["PV28", "PV29", "PV30", "PV31"],
        "postcodes": ["1000-9999"],
        "radius": {"lat": 52.1, "lon": 5.2, "km": 50},
    }
    response = app.test_client().post(
        "/api/v1/targeting/preview", json={"targeting": targeting}, headers=headers
    )
    assert response.status_code == 200
    with app.app_context():
        participating = set(db.session.scalars(select(School.code).where(participating_clause())))
        amsterdam = db.session.scalars(
            select(School).where(School.municipality_code == "GM0363").order_by(School.code)
        ).first()
        listed = {
            "code": amsterdam.code,
            "name": amsterdam.name,
            "municipality": "Amsterdam",
            "police_unit": "RE05",
        }
    assert response.json["count"] == len(participating) == len(response.json["schools"])
    assert {school["code"] for school in response.json["schools"]} == participating
    assert (listed in response.json["schools"]) == (amsterdam.code in participating)

"""The radius arithmetic: how close it is to the great-circle distance, the bounding box, and
the same answer from SQLite and PostgreSQL as from Python."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import insert, select

from plugins.regional import geo
from schoolalert.extensions import db
from schoolalert.schools.models import LocationPrecision, School, SchoolKind
from tests.regional.conftest import destination


def random_pairs(count: int, max_km: float, seed: int = 7):
    chance = random.Random(seed)
    for _ in range(count):
        lat0, lon0 = chance.uniform(50.7, 53.6), chance.uniform(3.3, 7.3)
        km = chance.uniform(0.05, max_km)
        lat, lon = destination(lat0, lon0, km, chance.uniform(0, 360))
        yield lat0, lon0, lat, lon, km


def test_the_destination_helper_agrees_with_the_haversine_distance():
    for lat0, lon0, lat, lon, km in random_pairs(500, 300):
        assert geo.great_circle_km(lat0, lon0, lat, lon) == pytest.approx(km, rel=1e-9)


@pytest.mark.parametrize(("max_km", "tolerance"), [(10, 1e-6), (50, 1e-5), (300, 5e-4)])
def test_the_arithmetic_distance_is_within_a_hair_of_the_great_circle(max_km, tolerance):
    worst = max(
        abs(geo.approximate_km(lat0, lon0, lat, lon) - km) / km
        for lat0, lon0, lat, lon, km in random_pairs(20_000, max_km)
    )
    assert worst < tolerance


def test_a_plain_equirectangular_distance_would_not_be_good_enough():
    """The mean-latitude correction matters: without it the error reaches percents."""
    lat0, lon0 = 53.4, 6.0
    lat, lon = destination(lat0, lon0, 300, 45)
    naive = (
        geo.EARTH_RADIUS_KM
        * (
            ((lat - lat0) * geo.DEGREE) ** 2
            + ((lon - lon0) * geo.DEGREE * geo.math.cos(lat0 * geo.DEGREE)) ** 2
        )
        ** 0.5
    )
    assert abs(naive - 300) / 300 > 5e-3
    assert abs(geo.approximate_km(lat0, lon0, lat, lon) - 300) / 300 < 5e-4


@pytest.mark.parametrize("km", [0.5, 9, 50, 300])
def test_the_bounding_box_holds_the_whole_circle(km):
    for lat0 in (50.75, 52.0, 53.55):
        box = geo.bounding_box(lat0, 5.0, km)
        for bearing in range(0, 360, 5):
            lat, lon = destination(lat0, 5.0, km * 1.0005, bearing)
            assert box.south < lat < box.north
            assert box.west < lon < box.east
        # … and is not much larger than it
        assert box.north - lat0 < km / 111.19 * 1.02


def test_a_box_around_a_pole_spans_every_longitude():
    box = geo.bounding_box(89.9, 5.0, 50)
    assert (box.west, box.east, box.north) == (-180.0, 180.0, 90.0)


def test_distance_to_the_netherlands():
    assert geo.distance_to_netherlands_km(52.37, 4.89) == 0
    assert geo.distance_to_netherlands_km(50.85, 4.35) == 0  # Brussels: the box is generous
    assert 210 < geo.distance_to_netherlands_km(48.8566, 2.3522) < 230  # Paris
    assert geo.distance_to_netherlands_km(4.89, 52.37) > 5000  # latitude and longitude swapped


def test_the_database_selects_what_python_computes(app, make_board):
    """Five hundred locations around Zwolle, on SQLite and on PostgreSQL alike."""
    board = make_board()
    centre, km = (52.5125, 6.0944), 25.0
    chance = random.Random(11)
    rows = []
    for number in range(500):
        lat, lon = destination(*centre, chance.uniform(0, 60), chance.uniform(0, 360))
        rows.append(
            {
                "code": f"{number // 100:02d}QQ{number % 100:02d}",
                "brin": "00QQ",
                "board_id": board.id,
                "name": f"School {number}",
                "street": "Straat",
                "postcode": "8011 AA",
                "city": "ZWOLLE",
                "municipality_code": "GM0193",
                "source_municipality_code": "GM0193",
                "province_code": "PV23",
                "safety_region_code": "VR04",
                "police_unit_code": "RE02",
                "latitude": lat,
                "longitude": lon,
                "location_precision": LocationPrecision.PC4,
                "kind": SchoolKind.BO,
            }
        )
    with app.app_context():
        db.session.execute(insert(School), rows)
        db.session.commit()
        selected = set(
            db.session.scalars(
                select(School.code).where(
                    geo.within_radius(School.latitude, School.longitude, *centre, km)
                )
            )
        )
    distances = {
        row["code"]: geo.great_circle_km(*centre, row["latitude"], row["longitude"]) for row in rows
    }
    clear = {code for code, distance in distances.items() if abs(distance - km) > 0.01}
    assert selected & clear == {code for code in clear if distances[code] <= km}
    assert 150 < len(selected) < 270  # about 25/60 of them: uniform in distance, not in area

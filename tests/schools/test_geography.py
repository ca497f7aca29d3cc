"""The shipped reference geography: its figures, its reproducibility, its database tables."""

from __future__ import annotations

import filecmp
import importlib.util
import sys
from collections import Counter
from types import ModuleType

import pytest
from sqlalchemy import func, select, update

from schoolalert import create_app
from schoolalert.extensions import db
from schoolalert.schools.geography import (
    GeographySync,
    reference_geography,
    sync_reference_geography,
)
from schoolalert.schools.models import Municipality, PostcodeArea
from schoolalert.transaction import commit
from tests.conftest import ROOT, base_config, upgrade_schema
from tests.schools.conftest import SHARED_DATA

UNITS = {"RE01": 40, "RE02": 76, "RE03": 38, "RE04": 32, "RE05": 6,
         "RE06": 27, "RE07": 23, "RE08": 37, "RE09": 32, "RE10": 31}  # fmt: skip
PROVINCES = {"PV20": 10, "PV21": 18, "PV22": 12, "PV23": 25, "PV24": 6, "PV25": 51,
             "PV26": 26, "PV27": 44, "PV28": 50, "PV29": 13, "PV30": 56, "PV31": 31}  # fmt: skip


def test_342_municipalities_in_their_police_units_and_provinces():
    municipalities = reference_geography().municipalities
    assert len(municipalities) == 342
    assert Counter(m.police_unit_code for m in municipalities.values()) == UNITS
    assert Counter(m.province_code for m in municipalities.values()) == PROVINCES
    regions = Counter(m.safety_region_code for m in municipalities.values())
    assert sorted(regions) == [f"VR{number:02d}" for number in range(1, 26)]


@pytest.mark.parametrize(
    ("code", "name", "unit", "province"),
    [
        ("GM0402", "Hilversum", "RE03", "PV27"),  # Midden-Nederland, though in Noord-Holland
        ("GM0362", "Amstelveen", "RE05", "PV27"),
        ("GM1959", "Altena", "RE08", "PV30"),
        ("GM1961", "Vijfheerenlanden", "RE03", "PV26"),
        ("GM0363", "Amsterdam", "RE05", "PV27"),
        ("GM0518", "'s-Gravenhage", "RE06", "PV28"),
        ("GM0080", "Leeuwarden", "RE01", "PV21"),
    ],
)
def test_municipalities_that_cross_the_obvious_boundaries(code, name, unit, province):
    municipality = reference_geography().municipalities[code]
    assert (municipality.name, municipality.police_unit_code, municipality.province_code) == (
        name,
        unit,
        province,
    )


def test_names_of_units_regions_and_provinces():
    municipalities = reference_geography().municipalities
    assert municipalities["GM0080"].province_name == "Fryslân"
    assert municipalities["GM0402"].police_unit_name == "Midden-Nederland"
    assert municipalities["GM0402"].safety_region_name == "Gooi en Vechtstreek"
    assert municipalities["GM1961"].safety_region_code == "VR09"


def test_municipality_points_lie_in_the_netherlands():
    for municipality in reference_geography().municipalities.values():
        assert 50.75 < municipality.latitude < 53.56, municipality.code
        assert 3.35 < municipality.longitude < 7.23, municipality.code


def test_4073_postcode_areas_each_in_a_current_municipality():
    geography = reference_geography()
    assert len(geography.postcodes) == 4073
    assert (min(geography.postcodes), max(geography.postcodes)) == ("1011", "9999")
    assert {area.municipality_code for area in geography.postcodes.values()} <= set(
        geography.municipalities
    )
    assert geography.postcodes["1011"].municipality_code == "GM0363"  # Amsterdam centre
    assert geography.postcodes["1211"].municipality_code == "GM0402"  # Hilversum
    assert geography.postcodes["8911"].municipality_code == "GM0080"  # Leeuwarden
    assert geography.postcodes["2511"].municipality_code == "GM0518"  # Den Haag centre


def load_script(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a script of ``scripts/`` (not a package) for the duration of a test."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def test_the_tables_are_what_the_script_makes_of_the_sources(tmp_path, capsys, monkeypatch):
    if not (SHARED_DATA / "cbs").is_dir() or not (SHARED_DATA / "geo").is_dir():
        pytest.skip(f"the CBS and PC4 source files are not present under {SHARED_DATA}")
    load_script("build_reference_geography", monkeypatch).build(SHARED_DATA, tmp_path)
    shipped = ROOT / "schoolalert" / "schools" / "data"
    for name in ("municipalities.csv", "postcode_areas.csv"):
        assert filecmp.cmp(tmp_path / name, shipped / name, shallow=False), name
    assert "5 outside every municipality took the nearest" in capsys.readouterr().out


def test_the_migration_loads_the_tables(tmp_path):
    instance = tmp_path / "fresh"
    instance.mkdir()
    app = create_app(base_config(instance))
    upgrade_schema(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == 342
        assert db.session.scalar(select(func.count()).select_from(PostcodeArea)) == 4073
        assert db.session.get(Municipality, "GM0402").police_unit_code == "RE03"
        assert db.session.get(PostcodeArea, "1011").municipality_code == "GM0363"
        db.session.remove()
        db.engine.dispose()


def test_sync_restores_the_shipped_rows(app, geography):
    with app.app_context():
        assert sync_reference_geography(db.session) == GeographySync(created=0, updated=0)
        db.session.execute(
            update(Municipality).values(name="X").where(Municipality.code == "GM0014")
        )
        db.session.execute(
            update(PostcodeArea).values(latitude=0).where(PostcodeArea.pc4 == "1011")
        )
        commit()
        outcome = sync_reference_geography(db.session)
        commit()
        assert outcome == GeographySync(created=0, updated=2)
        assert db.session.get(Municipality, "GM0014").name == "Groningen"
        assert db.session.get(PostcodeArea, "1011").latitude == pytest.approx(52.371006)


def test_geography_command_reloads_the_tables(app, runner, geography):
    with app.app_context():
        db.session.execute(PostcodeArea.__table__.delete().where(PostcodeArea.pc4 >= "9000"))
        commit()
    result = runner.invoke(args=["schools", "geography"])
    assert result.exit_code == 0, result.output
    missing = sum(pc4 >= "9000" for pc4 in reference_geography().postcodes)
    assert f"{missing} rows added, 0 updated" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostcodeArea)) == 4073

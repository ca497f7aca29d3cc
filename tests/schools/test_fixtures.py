"""The DUO sample files: made by their script, in the real format, covering the cases."""

from __future__ import annotations

import filecmp

from schoolalert.schools.geography import reference_geography
from tests.schools.conftest import FIXTURES, column, fixture_bytes, read_rows
from tests.schools.test_geography import load_script

NAMES = (
    "vestigingenbo.csv",
    "besturenbo.csv",
    "vestigingenso.csv",
    "alle-vestigingen-basisonderwijs.csv",
)


def test_the_samples_are_what_the_script_makes(tmp_path, monkeypatch):
    load_script("make_duo_fixtures", monkeypatch).main(tmp_path)
    for name in NAMES:
        assert filecmp.cmp(tmp_path / name, FIXTURES / name, shallow=False), name


def test_the_samples_have_the_real_format():
    for name in NAMES:
        raw = fixture_bytes(name)
        assert raw.count(b"\r\n") == raw.count(b"\n") > 10, name  # CRLF only
        assert raw.endswith(b"\r\n"), name
        assert not raw.startswith(b"\xef\xbb\xbf"), name
    raw = fixture_bytes("vestigingenbo.csv")
    assert "Fryslân".encode("cp1252") in raw  # Windows-1252, not UTF-8
    assert "Fryslân".encode() not in raw
    assert b"   ;" in raw  # padded values


def test_the_location_sample_covers_every_province_unit_and_tricky_value():
    rows = read_rows(fixture_bytes("vestigingenbo.csv"))
    geography = reference_geography().municipalities
    municipality = column(rows, "GEMEENTENUMMER")
    places = [geography[f"GM{row[municipality]}"] for row in rows[1:]]
    assert len(places) == 201
    assert len({place.province_code for place in places}) == 12
    assert len({place.police_unit_code for place in places}) == 10
    numbers = {row[column(rows, "HUISNUMMER-TOEVOEGING")] for row in rows[1:]}
    assert {"5-A", "128 -130", "43 - a"} <= numbers
    assert any(row[column(rows, "GEMEENTENAAM")].strip() == "S GRAVENHAGE" for row in rows)
    correspondence = column(rows, "STRAATNAAM CORRESPONDENTIEADRES")
    assert sum(row[correspondence].startswith("Postbus") for row in rows) > 40
    assert any(row[0] == "Fryslân" for row in rows)
    assert "VESTIGINGSNAAM " in rows[0]
    assert "HUISNUMMER - TOEVOEGING" in rows[0]


def test_the_special_education_sample_has_kinds_to_take_and_to_skip():
    rows = read_rows(fixture_bytes("vestigingenso.csv"))
    assert rows[0][0] == "SOORT PRIMAIR ONDERWIJS"
    assert {row[0] for row in rows[1:]} == {"SBAO", "SO", "(V)SO", "VSO"}

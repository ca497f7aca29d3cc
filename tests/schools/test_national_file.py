"""The real DUO national file of 2013 (6,804 locations), when ``../shared/data`` has it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from schoolalert.extensions import db
from schoolalert.schools.models import LocationPrecision, School
from schoolalert.schools.records import IssueLevel

UNITS = {f"RE{number:02d}" for number in range(1, 11)}


def test_the_national_file_imports_completely_and_again_unchanged(app, run_import, national_file):
    result = run_import(national_file.read_bytes(), national_file.name)
    assert (result.rows, result.created, result.rejected, result.skipped) == (6804, 6804, 0, 0)
    assert (result.encoding, result.layout) == ("windows-1252", "legacy")
    assert result.seconds < 60  # seconds, not minutes (about 0.5 s on a laptop)
    warnings = [issue for issue in result.issues if issue.level is IssueLevel.WARNING]
    assert len(warnings) == len(result.issues) == 861
    assert {issue.column for issue in warnings} == {"GEMEENTENUMMER"}
    with app.app_context():
        schools = db.session.execute(
            select(
                School.police_unit_code,
                School.province_code,
                School.safety_region_code,
                School.latitude,
                School.longitude,
                School.location_precision,
                School.source_municipality_code,
                School.municipality_code,
            )
        ).all()
        boards = db.session.scalar(select(func.count(func.distinct(School.board_id))))
    assert len(schools) == 6804
    assert {row.police_unit_code for row in schools} == UNITS
    assert len({row.province_code for row in schools}) == 12
    assert len({row.safety_region_code for row in schools}) == 25
    assert all(50.7 < row.latitude < 53.6 and 3.3 < row.longitude < 7.3 for row in schools)
    assert {row.location_precision for row in schools} == {LocationPrecision.PC4}
    merged = Counter(
        row.source_municipality_code
        for row in schools
        if row.source_municipality_code != row.municipality_code
    )
    assert (sum(merged.values()), len(merged)) == (861, 89)
    assert boards == 1010

    again = run_import(national_file.read_bytes(), national_file.name)
    assert (again.created, again.updated, again.unchanged, again.deactivated) == (0, 0, 6804, 0)

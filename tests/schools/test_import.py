"""The DUO import service: upsert, deactivation, dry runs, boards, kinds and formats."""

from __future__ import annotations

import codecs

import pytest
from sqlalchemy import func, select

from schoolalert.extensions import db
from schoolalert.schools.importer import ImportResult
from schoolalert.schools.models import (
    Board,
    ImportKind,
    ImportRun,
    LocationPrecision,
    School,
    SchoolKind,
)
from schoolalert.schools.records import IssueLevel
from tests.schools.conftest import column, edit_rows, fixture_bytes, read_rows

SAMPLE = "vestigingenbo.csv"


def counts(result: ImportResult) -> tuple[int, ...]:
    return (
        result.created,
        result.updated,
        result.unchanged,
        result.deactivated,
        result.rejected,
        result.skipped,
    )


def school(app, **where) -> School:
    with app.app_context():
        found = db.session.scalars(select(School).filter_by(**where)).one()
        db.session.expunge(found)
    return found


def test_the_sample_imports_every_location_placed(app, run_import):
    result = run_import(fixture_bytes(SAMPLE))
    assert (result.rows, *counts(result)) == (201, 201, 0, 0, 0, 0, 0)
    assert result.boards_created == 12
    assert [str(issue) for issue in result.issues] == [
        "line 202 POSTCODE: warning: postcode area 1020 is not in the reference table; "
        "the location takes the centre of Amsterdam"
    ]
    with app.app_context():
        schools = db.session.scalars(select(School)).all()
        assert len(schools) == 201
        assert {s.police_unit_code for s in schools} == {f"RE{n:02d}" for n in range(1, 11)}
        assert len({s.province_code for s in schools}) == 12
        assert all(50.7 < s.latitude < 53.6 and 3.3 < s.longitude < 7.3 for s in schools)
        precision = {s.code: s.location_precision for s in schools}
        assert list(precision.values()).count(LocationPrecision.MUNICIPALITY) == 1
        assert all(s.kind is SchoolKind.BO and s.active for s in schools)
        assert any('"' in s.name for s in schools)  # "" in the file
        assert all(s.brin == s.code[:4] for s in schools)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (2, (5, "A", "S GRAVENHAGE", "GM0518", "PV28", "VR15", "RE06")),
        (3, (128, "130", "S HERTOGENBOSCH", "GM0796", "PV30", "VR21", "RE09")),
        (4, (43, "A", "AMSTERDAM", "GM0363", "PV27", "VR13", "RE05")),
        (5, (2, "4", "HILVERSUM", "GM0402", "PV27", "VR14", "RE03")),
        (7, (27, "A 29", "ALTENA", "GM1959", "PV30", "VR20", "RE08")),
    ],
)
def test_tricky_values_are_normalised(app, run_import, line, expected):
    raw = fixture_bytes(SAMPLE)
    run_import(raw)
    rows = read_rows(raw)
    found = school(app, code=rows[line - 1][column(rows, "VESTIGINGSCODE")])
    assert (
        found.house_number,
        found.house_number_addition,
        found.city,
        found.municipality_code,
        found.province_code,
        found.safety_region_code,
        found.police_unit_code,
    ) == expected
    assert found.location_precision is LocationPrecision.PC4
    assert found.postcode == rows[line - 1][column(rows, "POSTCODE")]


def test_importing_the_same_file_again_changes_nothing(app, run_import, registry):
    run_import(fixture_bytes(SAMPLE))
    before = registry()
    again = run_import(fixture_bytes(SAMPLE))
    assert counts(again) == (0, 0, 201, 0, 0, 0)
    assert again.boards_created == 0
    assert registry() == before


def test_a_changed_row_updates_that_location_only(app, run_import, registry):
    raw = fixture_bytes(SAMPLE)
    run_import(raw)
    before = registry()

    def rename(rows):
        rows[9][column(rows, "VESTIGINGSNAAM")] = "OBS Nieuwe Naam"
        rows[9][column(rows, "POSTCODE")] = "1011AB"  # also moves to Amsterdam's PC4 1011

    result = run_import(edit_rows(raw, rename))
    assert counts(result) == (0, 1, 200, 0, 0, 0)
    after = registry()
    changed = {code for code in before if before[code] != after[code]}
    assert len(changed) == 1
    (code,) = changed
    assert after[code]["name"] == "OBS Nieuwe Naam"
    assert after[code]["postcode"] == "1011 AB"
    assert after[code]["latitude"] == pytest.approx(52.371006)
    assert after[code]["updated_at"] > before[code]["updated_at"]
    assert after[code]["created_at"] == before[code]["created_at"]


def test_locations_missing_from_a_full_file_become_inactive_and_come_back(app, run_import):
    raw = fixture_bytes(SAMPLE)
    run_import(raw)
    rows = read_rows(raw)
    gone = {rows[line][column(rows, "VESTIGINGSCODE")] for line in (10, 50, 150)}
    result = run_import(edit_rows(raw, lambda rows: [rows.pop(line) for line in (150, 50, 10)]))
    assert counts(result) == (0, 0, 198, 3, 0, 0)
    with app.app_context():
        inactive = db.session.scalars(select(School).where(School.active.is_(False))).all()
        assert {s.code for s in inactive} == gone
        assert all(s.deactivated_at is not None for s in inactive)
        assert db.session.scalar(select(func.count()).select_from(School)) == 201  # kept
    back = run_import(raw)
    assert counts(back) == (0, 3, 198, 0, 0, 0)
    assert school(app, code=sorted(gone)[0]).deactivated_at is None


def test_a_dry_run_changes_nothing_but_is_recorded(app, run_import, registry):
    run_import(fixture_bytes(SAMPLE))
    before = registry()
    changed = edit_rows(fixture_bytes(SAMPLE), lambda rows: rows.pop(20))
    result = run_import(changed, dry_run=True)
    assert counts(result) == (0, 0, 200, 1, 0, 0)
    assert registry() == before
    first = run_import(fixture_bytes("alle-vestigingen-basisonderwijs.csv"), dry_run=True)
    assert (first.created, first.deactivated, first.boards_created) == (24, 201, 0)
    assert registry() == before
    with app.app_context():
        runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(run.dry_run, run.deactivated) for run in runs] == [
            (False, 0),
            (True, 1),
            (True, 201),
        ]


def test_import_runs_keep_counts_and_report(app, run_import):
    run_import(fixture_bytes(SAMPLE), user_id=None)
    with app.app_context():
        run = db.session.scalars(select(ImportRun)).one()
        assert (run.file_name, run.kind, run.encoding, run.rows, run.created) == (
            SAMPLE,
            ImportKind.LOCATIONS_BO,
            "windows-1252",
            201,
            201,
        )
        assert (run.warnings, run.rejected, run.user_id) == (1, 0, None)
        assert run.report == [
            {
                "line": 202,
                "column": "POSTCODE",
                "level": "warning",
                "message": "postcode area 1020 is not in the reference table; "
                "the location takes the centre of Amsterdam",
            }
        ]
        assert run.seconds > 0


def test_an_import_run_names_its_user(app, run_import, make_user):
    user = make_user()
    run_import(fixture_bytes("besturenbo.csv"), "besturenbo.csv", boards=True, user_id=user.id)
    with app.app_context():
        assert db.session.scalars(select(ImportRun.user_id)).one() == user.id


def test_boards_are_named_by_the_boards_file(app, run_import):
    boards = run_import(fixture_bytes("besturenbo.csv"), "besturenbo.csv", boards=True)
    assert counts(boards) == (12, 0, 0, 0, 0, 0)
    locations = run_import(fixture_bytes(SAMPLE))
    assert locations.boards_created == 1  # named by no boards file
    with app.app_context():
        all_boards = {b.number: b for b in db.session.scalars(select(Board))}
        assert len(all_boards) == 13
        unnamed = [b for b in all_boards.values() if b.name is None]
        assert len(unnamed) == 1
        assert unnamed[0].active
        assert not all_boards["99001"].active  # no location of its own
        named = [b for b in all_boards.values() if b.name]
        assert all(b.address for b in named)
        assert any("Réveil" in b.name for b in named)
    again = run_import(fixture_bytes("besturenbo.csv"), "besturenbo.csv", boards=True)
    assert counts(again) == (0, 0, 12, 0, 0, 0)


def test_a_board_without_active_locations_becomes_inactive(app, run_import):
    raw = fixture_bytes(SAMPLE)
    run_import(raw)
    rows = read_rows(raw)
    board = column(rows, "BEVOEGD GEZAG NUMMER")
    number = rows[1][board]

    def drop_the_boards_locations(rows):
        rows[1:] = [row for row in rows[1:] if row[board] != number]

    assert run_import(edit_rows(raw, drop_the_boards_locations)).deactivated > 0
    with app.app_context():
        assert not db.session.scalars(select(Board).filter_by(number=number)).one().active
    run_import(raw)
    with app.app_context():
        assert db.session.scalars(select(Board).filter_by(number=number)).one().active


def test_special_education_takes_sbao_so_and_vso_combined(app, run_import):
    run_import(fixture_bytes(SAMPLE))
    result = run_import(fixture_bytes("vestigingenso.csv"), "vestigingenso.csv")
    assert counts(result) == (12, 0, 0, 0, 0, 3)  # three VSO rows skipped
    with app.app_context():
        kinds = dict(
            db.session.execute(select(School.kind, func.count()).group_by(School.kind)).all()
        )
    assert kinds == {SchoolKind.BO: 201, SchoolKind.SBAO: 5, SchoolKind.SO: 4, SchoolKind.SO_VSO: 3}
    # A full SO file deactivates only special-education locations; a BO file only BO ones.
    fewer = edit_rows(fixture_bytes("vestigingenso.csv"), lambda rows: rows.pop(1))
    assert run_import(fewer, "vestigingenso.csv").deactivated == 1
    assert run_import(fixture_bytes(SAMPLE)).deactivated == 0


def test_the_older_format_and_merged_municipalities(app, run_import):
    result = run_import(
        fixture_bytes("alle-vestigingen-basisonderwijs.csv"), "alle-vestigingen-basisonderwijs.csv"
    )
    assert counts(result) == (24, 0, 0, 0, 0, 0)
    warnings = [issue for issue in result.issues if issue.level is IssueLevel.WARNING]
    assert [(issue.line, issue.column) for issue in warnings] == [
        (22, "GEMEENTENUMMER"),
        (23, "GEMEENTENUMMER"),
        (24, "GEMEENTENUMMER"),
        (25, "GEMEENTENUMMER"),
    ]
    assert "GM0381 (BUSSUM) is not a current municipality" in warnings[0].message
    assert "placed in GM1942 Gooise Meren through postcode area 1401" in warnings[0].message
    with app.app_context():
        merged = db.session.execute(
            select(
                School.source_municipality_code, School.municipality_code, School.police_unit_code
            )
            .where(School.source_municipality_code != School.municipality_code)
            .order_by(School.source_municipality_code)
        ).all()
    assert [tuple(row) for row in merged] == [
        ("GM0017", "GM0014", "RE01"),  # Haren → Groningen
        ("GM0058", "GM1970", "RE01"),  # Dongeradeel → Noardeast-Fryslân
        ("GM0381", "GM1942", "RE03"),  # Bussum → Gooise Meren
        ("GM0425", "GM1942", "RE03"),  # Naarden → Gooise Meren
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "windows-1252"])
def test_encodings_store_the_same_names(app, run_import, encoding):
    def accents(rows):
        rows[1][column(rows, "VESTIGINGSNAAM")] = "Daniëlschool Réne"
        rows[1][column(rows, "PLAATSNAAM")] = "SÚDWEST-FRYSLÂN"

    text = edit_rows(fixture_bytes(SAMPLE), accents).decode("cp1252")
    raw = text.encode("cp1252") if encoding == "windows-1252" else text.encode("utf-8")
    if encoding == "utf-8-sig":
        raw = codecs.BOM_UTF8 + raw
    result = run_import(raw)
    assert (result.encoding, result.created, result.rejected) == (encoding, 201, 0)
    rows = read_rows(fixture_bytes(SAMPLE))
    found = school(app, code=rows[1][column(rows, "VESTIGINGSCODE")])
    assert (found.name, found.city) == ("Daniëlschool Réne", "SÚDWEST-FRYSLÂN")

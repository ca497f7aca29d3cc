"""Bad DUO input: a bad row is rejected by line and column and changes nothing; a bad file is
refused as a whole and leaves the registry as it was (PRODUCT I7)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schoolalert.extensions import db
from schoolalert.schools.duo import DuoFormatError
from schoolalert.schools.importer import import_boards, import_locations
from schoolalert.schools.models import School
from schoolalert.schools.records import IssueLevel
from tests.schools.conftest import column, edit_rows, fixture_bytes, read_rows

SAMPLE = "vestigingenbo.csv"
LINE = 6  # the row the cases below spoil (Amstelveen)


def spoil(values: dict[str, str], line: int = LINE) -> bytes:
    def change(rows):
        for name, value in values.items():
            rows[line - 1][column(rows, name)] = value

    return edit_rows(fixture_bytes(SAMPLE), change)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"VESTIGINGSCODE": "6AH00X"}, "VESTIGINGSCODE: rejected: '6AH00X' is not a DUO location"),
        ({"VESTIGINGSCODE": ""}, "VESTIGINGSCODE: rejected: '' is not a DUO location code"),
        ({"INSTELLINGSCODE": "99ZZ"}, "INSTELLINGSCODE: rejected: '99ZZ' does not match"),
        (
            {"GEMEENTENUMMER": "9999", "POSTCODE": "1020 AB"},
            "GEMEENTENUMMER: rejected: GM9999 is not a current municipality and postcode area "
            "1020 is unknown, so the location cannot be placed",
        ),
        ({"GEMEENTENUMMER": "AMSTELVEEN"}, "GEMEENTENUMMER: rejected: 'AMSTELVEEN' is not a mun"),
        ({"POSTCODE": "118 AB"}, "POSTCODE: rejected: '118 AB' is not a Dutch postcode"),
        ({"STRAATNAAM": "Postbus 12"}, "STRAATNAAM: rejected: 'Postbus 12' is a PO box"),
        ({"STRAATNAAM": "  "}, "STRAATNAAM: rejected: the street of the visiting address is"),
        ({"HUISNUMMER-TOEVOEGING": "A-5"}, "HUISNUMMER-TOEVOEGING: rejected: 'A-5' does not"),
        ({"VESTIGINGSNAAM": ""}, "VESTIGINGSNAAM: rejected: the name is empty"),
        ({"PLAATSNAAM": ""}, "PLAATSNAAM: rejected: the place name is empty"),
        ({"BEVOEGD GEZAG NUMMER": "B-12"}, "BEVOEGD GEZAG NUMMER: rejected: 'B-12' is not a board"),
    ],
)
def test_a_bad_row_is_rejected_by_line_and_column_and_the_others_imported(
    run_import, values, expected
):
    result = run_import(spoil(values))
    assert (result.created, result.rejected) == (200, 1)
    errors = [str(issue) for issue in result.issues if issue.level is IssueLevel.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith(f"line {LINE} {expected}")


def test_a_row_with_too_few_fields(run_import):
    def cut(rows):
        rows[LINE - 1] = rows[LINE - 1][:5]

    result = run_import(edit_rows(fixture_bytes(SAMPLE), cut))
    assert (result.created, result.rejected) == (200, 1)
    assert str(result.issues[0]) == (
        f"line {LINE}: rejected: expected 20 fields separated by ';', found 5"
    )


def test_an_unreadable_row_stops_deactivation_for_it_may_be_any_location(run_import, registry):
    run_import(fixture_bytes(SAMPLE))
    before = registry()

    def cut_and_drop(rows):
        rows[LINE - 1] = rows[LINE - 1][:5]
        del rows[20]

    result = run_import(edit_rows(fixture_bytes(SAMPLE), cut_and_drop))
    assert (result.unchanged, result.rejected, result.deactivated) == (199, 1, 0)
    assert str(result.issues[-1]) == (
        "file: warning: a rejected row has no usable location code, so no location is deactivated"
    )
    assert registry() == before


def test_a_special_education_row_without_its_kind(run_import):
    def empty_kind(rows):
        rows[3][0] = " "

    result = run_import(edit_rows(fixture_bytes("vestigingenso.csv"), empty_kind), "so.csv")
    assert [str(issue) for issue in result.issues] == [
        "line 4 SOORT PRIMAIR ONDERWIJS: rejected: the kind of education is empty"
    ]


def test_the_same_code_twice_rejects_the_second_naming_both_lines(app, run_import):
    rows = read_rows(fixture_bytes(SAMPLE))
    code = rows[LINE - 1][column(rows, "VESTIGINGSCODE")]

    def repeat(rows):
        rows.append([*rows[LINE - 1]])
        rows[-1][column(rows, "VESTIGINGSNAAM")] = "OBS Dubbel"

    result = run_import(edit_rows(fixture_bytes(SAMPLE), repeat))
    assert (result.created, result.rejected) == (201, 1)
    assert str(result.issues[-1]) == (
        f"line 203 VESTIGINGSCODE: rejected: {code} is also on line {LINE}; "
        "this second occurrence is rejected"
    )
    with app.app_context():
        name = db.session.scalars(select(School.name).filter_by(code=code)).one()
    assert name == rows[LINE - 1][column(rows, "VESTIGINGSNAAM")].strip()


def test_an_unknown_municipality_with_a_known_postcode_is_placed_with_a_warning(run_import):
    result = run_import(spoil({"GEMEENTENUMMER": "9999", "GEMEENTENAAM": "NERGENS"}))
    assert (result.created, result.rejected) == (201, 0)
    assert (
        "GM9999 (NERGENS) is not a current municipality (merged?); placed in GM0362 Amstelveen "
        "through postcode area"
    ) in str(result.issues[0])


def test_a_rejected_row_leaves_its_location_as_it_was(run_import, registry):
    run_import(fixture_bytes(SAMPLE))
    before = registry()
    result = run_import(spoil({"VESTIGINGSNAAM": "OBS Nieuw", "POSTCODE": "onbekend"}))
    assert (result.unchanged, result.rejected, result.deactivated, result.updated) == (200, 1, 0, 0)
    assert registry() == before  # not renamed, not deactivated


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"SCHOOL;ADRES;PLAATS\r\nDe Linde;Kerkstraat 1;Emmen\r\n", "header is not that of a DUO"),
        (fixture_bytes(SAMPLE).split(b"\r\n")[0] + b"\r\n", "a header but no data rows"),
        (fixture_bytes("besturenbo.csv"), "this is a boards file"),
    ],
)
def test_a_bad_locations_file_is_refused_and_changes_nothing(
    app, run_import, registry, raw, message
):
    run_import(fixture_bytes(SAMPLE))
    before = registry()
    with app.app_context(), pytest.raises(DuoFormatError, match=message):
        import_locations(db.session, raw, "bad.csv")
    assert registry() == before


def test_a_locations_file_given_as_boards_file_is_refused(app):
    with app.app_context(), pytest.raises(DuoFormatError, match="this is a locations file"):
        import_boards(db.session, fixture_bytes(SAMPLE), SAMPLE)


def test_bad_board_rows(run_import):
    def spoil_boards(rows):
        rows[1][column(rows, "BEVOEGD GEZAG NAAM")] = ""
        rows[2][column(rows, "BEVOEGD GEZAG NUMMER")] = "X1"
        rows.append([*rows[3]])

    raw = edit_rows(fixture_bytes("besturenbo.csv"), spoil_boards)
    result = run_import(raw, "besturenbo.csv", boards=True)
    assert (result.created, result.rejected) == (10, 3)
    assert [str(issue).split(": rejected")[0] for issue in result.issues] == [
        "line 2 BEVOEGD GEZAG NAAM",
        "line 3 BEVOEGD GEZAG NUMMER",
        "line 14 BEVOEGD GEZAG NUMMER",
    ]

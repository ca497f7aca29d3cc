"""Reading DUO files: encodings, headers, file kinds, rows and value formats (no database)."""

from __future__ import annotations

import codecs

import pytest

from schoolalert.schools import duo
from schoolalert.schools.duo import DuoFormatError, Layout
from schoolalert.schools.models import ImportKind
from tests.schools.conftest import edit_rows, fixture_bytes

CURRENT = "INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;STRAATNAAM;HUISNUMMER-TOEVOEGING;"
CURRENT += "POSTCODE;PLAATSNAAM;GEMEENTENUMMER;BEVOEGD GEZAG NUMMER"
ROW = "16AH;16AH00;OBS De Linde;Kerkstraat;12;7822 HG;EMMEN;0114;10249"


def table(text: str, encoding: str = "cp1252") -> duo.DuoTable:
    return duo.read_duo_file(text.replace("\n", "\r\n").encode(encoding))


def test_the_sample_files_are_recognised():
    expected = {
        "vestigingenbo.csv": (ImportKind.LOCATIONS_BO, Layout.CURRENT, 201),
        "vestigingenso.csv": (ImportKind.LOCATIONS_SO, Layout.CURRENT, 15),
        "alle-vestigingen-basisonderwijs.csv": (ImportKind.LOCATIONS_BO, Layout.LEGACY, 24),
        "besturenbo.csv": (ImportKind.BOARDS, Layout.BOARDS, 12),
    }
    for name, (kind, layout, rows) in expected.items():
        read = duo.read_duo_file(fixture_bytes(name))
        assert (read.kind, read.layout, len(read.rows), read.encoding) == (
            kind,
            layout,
            rows,
            "windows-1252",
        ), name


def test_header_names_are_normalised_and_older_names_read_as_current():
    read = duo.read_duo_file(fixture_bytes("alle-vestigingen-basisonderwijs.csv"))
    assert "VESTIGINGSNAAM" in read.columns  # 'VESTIGINGSNAAM ' in the file
    assert {"INSTELLINGSCODE", "VESTIGINGSCODE"} <= set(read.columns)
    assert not {"BRIN NUMMER", "VESTIGINGSNUMMER"} & set(read.columns)
    current = duo.read_duo_file(fixture_bytes("vestigingenbo.csv"))
    assert {"HUISNUMMER-TOEVOEGING", "RMC-REGIO CODE"} <= set(current.columns)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("VESTIGINGSNAAM ", "VESTIGINGSNAAM"),
        ("HUISNUMMER - TOEVOEGING", "HUISNUMMER-TOEVOEGING"),
        (" rpa -gebied  code", "RPA-GEBIED CODE"),
        ("\ufeffPROVINCIE", "PROVINCIE"),
    ],
)
def test_normalise_header(name, expected):
    assert duo.normalise_header(name) == expected


def test_values_are_stripped_of_their_padding():
    row = duo.read_duo_file(fixture_bytes("vestigingenbo.csv")).rows[0]
    assert row["VESTIGINGSNAAM"] == row["VESTIGINGSNAAM"].strip() != ""
    assert row["INTERNETADRES"].startswith("www.")
    assert not row["INTERNETADRES"].endswith(" ")
    assert row.line == 2


def test_utf8_with_bom_and_windows_1252_decode_alike():
    text = f"{CURRENT}\n{ROW.replace('De Linde', 'Daniëlschool Réne')}\n"
    for raw, encoding in [
        (codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
        (text.encode("utf-8"), "utf-8"),
        (text.encode("cp1252"), "windows-1252"),
    ]:
        read = duo.read_duo_file(raw)
        assert read.encoding == encoding
        assert read.rows[0]["VESTIGINGSNAAM"] == "OBS Daniëlschool Réne"
        assert read.columns[0] == "INSTELLINGSCODE"  # no BOM left in the first name


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"\r\n  \r\n", "the file is empty"),
        (f"{CURRENT}\r\n".encode(), "header but no data rows"),
        (b"naam;adres;plaats\r\nA;B;C\r\n", "not that of a DUO file"),
        (CURRENT.replace(";", ",").encode() + b"\r\nx\r\n", "is the separator not ';'"),
        (b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM\r\n16AH;16AH00;X\r\n", "lacks the col"),
        (f"{CURRENT};POSTCODE\r\n{ROW};1\r\n".encode(), "names POSTCODE more than once"),
        (codecs.BOM_UTF8 + b"\xff\xfe;x\r\n", "UTF-8 BOM"),
        (f"{CURRENT}\r\n".encode() + b"16AH;16AH00;\x81\x8d;\r\n", "neither UTF-8 nor Windows"),
        (f"{CURRENT}\r\n{ROW}\r\n{'x' * 200_000}\r\n".encode(), "line 3: not readable as CSV"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(raw, message):
    with pytest.raises(DuoFormatError, match=message):
        duo.read_duo_file(raw)


def test_rows_with_too_few_or_too_many_fields_are_marked_by_line():
    read = table(f"{CURRENT}\n{ROW}\n16AH;16AH01;kort\n\n{ROW};extra\n{ROW}\n")
    assert [(row.line, row.problem) for row in read.rows] == [
        (2, None),
        (3, "expected 9 fields separated by ';', found 3"),
        (5, "expected 9 fields separated by ';', found 10"),
        (6, None),
    ]


def test_line_numbers_count_physical_lines_of_quoted_values():
    read = table(f'{CURRENT}\n16AH;16AH00;"OBS ""De\nLinde""";K;1;7822 HG;EMMEN;0114;1\n{ROW}\n')
    assert [row.line for row in read.rows] == [2, 4]
    assert read.rows[0]["VESTIGINGSNAAM"] == 'OBS "De Linde"'


def test_boards_and_special_education_headers():
    boards = table("BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM\n10249;Stichting X\n")
    assert (boards.kind, boards.layout) == (ImportKind.BOARDS, Layout.BOARDS)
    special = table(f"SOORT PRIMAIR ONDERWIJS;{CURRENT}\nSO;{ROW}\n")
    assert special.kind is ImportKind.LOCATIONS_SO


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("58", (58, None)),
        ("5-A", (5, "A")),
        ("128 -130", (128, "130")),
        ("43 - a", (43, "A")),
        ("4 -B", (4, "B")),
        ("27-A 29", (27, "A 29")),
        ("9 - a9", (9, "A9")),
        ("9-a/b", (9, "A/B")),
        ("1-BG", (1, "BG")),
        ("", (None, None)),
    ],
)
def test_house_number_and_addition_are_split(value, expected):
    assert duo.house_number(value) == expected


@pytest.mark.parametrize("value", ["A-5", "ong", "0", "123456", "-12"])
def test_house_numbers_that_are_not(value):
    with pytest.raises(ValueError, match="house number"):
        duo.house_number(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("1234 AB", "1234 AB"), ("1234ab", "1234 AB"), ("9999 zz", "9999 ZZ")]
)
def test_postcode(value, expected):
    assert duo.postcode(value) == expected


@pytest.mark.parametrize("value", ["0123 AB", "1234", "1234 A", "12345 AB", "Postbus 12", ""])
def test_postcodes_that_are_not(value):
    with pytest.raises(ValueError, match="not a Dutch postcode"):
        duo.postcode(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("0363", "GM0363"), ("363", "GM0363"), ("GM1959", "GM1959")]
)
def test_municipality_code(value, expected):
    assert duo.municipality_code(value) == expected


@pytest.mark.parametrize("value", ["", "12345", "AMSTERDAM", "03 63"])
def test_municipality_codes_that_are_not(value):
    with pytest.raises(ValueError, match="not a municipality number"):
        duo.municipality_code(value)


@pytest.mark.parametrize(
    ("value", "institution", "expected"),
    [("16AH00", "16AH", "16AH00"), ("16ah01", "", "16AH01"), ("02", "16AH", "16AH02")],
)
def test_location_code(value, institution, expected):
    assert duo.location_code(value, institution) == expected


@pytest.mark.parametrize("value", ["16AH0", "16AH000", "1AH000", "ABCDEF", "02", ""])
def test_location_codes_that_are_not(value):
    with pytest.raises(ValueError, match="not a DUO location code"):
        duo.location_code(value)


def test_edit_rows_keeps_the_file_format():
    raw = fixture_bytes("vestigingenbo.csv")
    assert edit_rows(raw, lambda rows: None) == raw
    assert raw.count(b"\r\n") == raw.count(b"\n") == 202

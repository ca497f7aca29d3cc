"""Reading DUO open-data CSV files: encoding, header, file kind, rows and value formats.

Pure functions, no database. Facts about the format (all seen in real files): ``;``-separated,
one header line, CRLF, usually Windows-1252; the 2023+ header says ``INSTELLINGSCODE`` /
``VESTIGINGSCODE``, the older one ``BRIN NUMMER`` / ``VESTIGINGSNUMMER``; header names may carry
trailing spaces or spaces around hyphens; values are space-padded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from schoolalert.schools.models import ImportKind

if TYPE_CHECKING:
    from _csv import Reader


class DuoFormatError(ValueError):
    """The file as a whole cannot be read as the DUO file expected; nothing is imported."""


class Layout(StrEnum):
    CURRENT = "2023+"  # INSTELLINGSCODE / VESTIGINGSCODE
    LEGACY = "legacy"  # BRIN NUMMER / VESTIGINGSNUMMER
    BOARDS = "boards"  # BEVOEGD GEZAG NUMMER / BEVOEGD GEZAG NAAM


# Columns are known by their 2023+ names; the older names are read as these.
ALIASES = {"BRIN NUMMER": "INSTELLINGSCODE", "VESTIGINGSNUMMER": "VESTIGINGSCODE"}
KIND_COLUMN = "SOORT PRIMAIR ONDERWIJS"
BOARD_NUMBER = "BEVOEGD GEZAG NUMMER"
BOARD_NAME = "BEVOEGD GEZAG NAAM"
LOCATION_COLUMNS = (
    "VESTIGINGSCODE",
    "VESTIGINGSNAAM",
    "STRAATNAAM",
    "HUISNUMMER-TOEVOEGING",
    "POSTCODE",
    "PLAATSNAAM",
    "GEMEENTENUMMER",
    BOARD_NUMBER,
)
BOARD_COLUMNS = (BOARD_NUMBER, BOARD_NAME)

LOCATION_CODE = re.compile(r"\d{2}[A-Z]{2}\d{2}")
INSTITUTION_CODE = re.compile(r"\d{2}[A-Z]{2}")
POSTCODE = re.compile(r"([1-9]\d{3}) ?([A-Z]{2})")
HOUSE_NUMBER = re.compile(r"(\d+)(.*)")
MAX_HOUSE_NUMBER = 99999


@dataclass(frozen=True)
class DuoRow:
    """One data row: its first physical line, its values by column, or why it is unusable."""

    line: int
    values: dict[str, str]
    problem: str | None = None

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class DuoTable:
    kind: ImportKind
    layout: Layout
    encoding: str
    columns: tuple[str, ...]
    rows: list[DuoRow]


def read_duo_file(raw: bytes) -> DuoTable:
    """Decode, check the header and split the rows; raise :class:`DuoFormatError`."""
    if not raw.strip():
        raise DuoFormatError("the file is empty")
    text, encoding = decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = tuple(map(normalise_header, next(reader)))
        kind, layout = detect_kind(header)
        columns = tuple(ALIASES.get(name, name) for name in header)
        rows = list(_rows(reader, columns))
    except csv.Error as error:
        raise DuoFormatError(f"line {reader.line_num}: not readable as CSV ({error})") from None
    if not rows:
        raise DuoFormatError("the file has a header but no data rows")
    return DuoTable(kind, layout, encoding, columns, rows)


def decode(raw: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, Windows-1252 otherwise."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise DuoFormatError(
                f"the file starts with a UTF-8 BOM but byte {error.start} is not UTF-8"
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as error:
        raise DuoFormatError(
            f"byte {error.start} is neither UTF-8 nor Windows-1252; is this a CSV file?"
        ) from None


def normalise_header(name: str) -> str:
    """``' Huisnummer - Toevoeging '`` → ``'HUISNUMMER-TOEVOEGING'``."""
    name = " ".join(name.replace("\ufeff", "").split()).upper()
    return re.sub(r"\s*-\s*", "-", name)


def detect_kind(header: tuple[str, ...]) -> tuple[ImportKind, Layout]:
    """Which DUO file this header belongs to (names as in the file, normalised)."""
    names = set(header)
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise DuoFormatError(f"the header names {', '.join(repeated)} more than once")
    if {"INSTELLINGSCODE", "VESTIGINGSCODE"} <= names:
        layout = Layout.CURRENT
    elif {"BRIN NUMMER", "VESTIGINGSNUMMER"} <= names:
        layout = Layout.LEGACY
    elif set(BOARD_COLUMNS) <= names:
        return ImportKind.BOARDS, Layout.BOARDS
    else:
        shown = "; ".join(header[:6]) + ("; …" if len(header) > 6 else "")
        if len(header) == 1:
            shown += " (one column: is the separator not ';'?)"
        raise DuoFormatError(
            "the header is not that of a DUO file: expected INSTELLINGSCODE and VESTIGINGSCODE "
            "(2023+), BRIN NUMMER and VESTIGINGSNUMMER (older files) or BEVOEGD GEZAG NUMMER "
            f"and BEVOEGD GEZAG NAAM (boards), found: {shown}"
        )
    missing = [name for name in LOCATION_COLUMNS if name not in {ALIASES.get(n, n) for n in names}]
    if missing:
        raise DuoFormatError(f"the header lacks the column(s) {', '.join(missing)}")
    kind = ImportKind.LOCATIONS_SO if KIND_COLUMN in names else ImportKind.LOCATIONS_BO
    return kind, layout


def _rows(reader: Reader, columns: tuple[str, ...]) -> Iterator[DuoRow]:
    start = reader.line_num + 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not any(field.strip() for field in fields):
            continue  # a blank line, e.g. at the end
        if len(fields) != len(columns):
            problem = f"expected {len(columns)} fields separated by ';', found {len(fields)}"
            yield DuoRow(line, {}, problem)
        else:
            yield DuoRow(
                line, {name: clean(value) for name, value in zip(columns, fields, strict=True)}
            )


def clean(value: str) -> str:
    """Strip the padding and collapse runs of white space."""
    return " ".join(value.split())


def location_code(value: str, institution: str = "") -> str:
    """A ``VESTIGINGSCODE`` (``16AH00``); a bare two-digit number is joined to its institution."""
    code = value.upper()
    if re.fullmatch(r"\d{2}", code) and INSTITUTION_CODE.fullmatch(institution.upper()):
        code = institution.upper() + code
    if not LOCATION_CODE.fullmatch(code):
        raise ValueError(
            f"{value!r} is not a DUO location code (two digits, two letters, two digits)"
        )
    return code


def postcode(value: str) -> str:
    """``1234ab`` → ``1234 AB``."""
    match = POSTCODE.fullmatch(value.upper())
    if match is None:
        raise ValueError(f"{value!r} is not a Dutch postcode (1234 AB)")
    return f"{match[1]} {match[2]}"


def municipality_code(value: str) -> str:
    """``363`` or ``0363`` (or ``GM0363``) → ``GM0363``."""
    digits = value.upper().removeprefix("GM")
    if not re.fullmatch(r"\d{1,4}", digits):
        raise ValueError(f"{value!r} is not a municipality number (four digits)")
    return f"GM{int(digits):04d}"


def house_number(value: str) -> tuple[int | None, str | None]:
    """Split ``HUISNUMMER-TOEVOEGING``: ``5-A`` → (5, ``A``), ``128 -130`` → (128, ``130``),
    ``43 - a`` → (43, ``A``); the addition is upper-cased, joined back with ``-``."""
    if not value:
        return None, None
    match = HOUSE_NUMBER.fullmatch(value)
    if match is None:
        raise ValueError(f"{value!r} does not start with a house number")
    number = int(match[1])
    if number == 0 or number > MAX_HOUSE_NUMBER:
        raise ValueError(f"{value!r}: {number} is not a house number")
    addition = " ".join(re.sub(r"\s*([-/])\s*", r"\1", match[2]).lstrip("-/ ").split())
    return number, addition.upper() or None


def board_number(value: str) -> str:
    """A ``BEVOEGD GEZAG NUMMER``: digits only."""
    if not re.fullmatch(r"\d{1,10}", value):
        raise ValueError(f"{value!r} is not a board number (digits)")
    return value

"""Checking DUO rows: each row becomes one location or board record, or is rejected with a
reason naming its line and column. Pure functions over the reference geography."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, TypeVar

from schoolalert.schools import duo
from schoolalert.schools.geography import MunicipalityRef, ReferenceGeography
from schoolalert.schools.models import ImportKind, LocationPrecision, SchoolKind

T = TypeVar("T")

# In a special-education file (vestigingenso.csv) only these kinds are primary education;
# other rows (VSO: secondary special education) are skipped.
SO_KINDS = {"SBAO": SchoolKind.SBAO, "SO": SchoolKind.SO, "(V)SO": SchoolKind.SO_VSO}
KINDS_OF_FILE = {
    ImportKind.LOCATIONS_BO: frozenset({SchoolKind.BO}),
    ImportKind.LOCATIONS_SO: frozenset(SO_KINDS.values()),
}


class IssueLevel(StrEnum):
    ERROR = "error"  # the row was rejected
    WARNING = "warning"  # the row was imported; something deserves a look


@dataclass(frozen=True)
class Issue:
    line: int | None  # None: about the file as a whole
    column: str | None
    message: str
    level: IssueLevel = IssueLevel.ERROR

    def __str__(self) -> str:
        where = "file" if self.line is None else f"line {self.line}"
        where += f" {self.column}" if self.column else ""
        label = "rejected" if self.level is IssueLevel.ERROR else "warning"
        return f"{where}: {label}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "level": self.level.value,
            "message": self.message,
        }


class RowRejected(ValueError):
    """A row cannot be imported; ``column`` names the culprit when there is one."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class LocationRecord:
    code: str
    brin: str
    board_number: str
    name: str
    street: str
    house_number: int | None
    house_number_addition: str | None
    postcode: str
    city: str
    source_municipality_code: str
    municipality_code: str
    province_code: str
    safety_region_code: str
    police_unit_code: str
    latitude: float
    longitude: float
    location_precision: LocationPrecision
    kind: SchoolKind
    denomination: str | None

    def values(self) -> dict[str, Any]:
        """The columns of ``schools`` this record sets (the board goes by its number)."""
        values = asdict(self)
        del values["board_number"]
        return values


@dataclass(frozen=True)
class BoardRecord:
    number: str
    name: str
    address: str | None


def field(row: duo.DuoRow, column: str, convert: Callable[[str], T]) -> T:
    """Convert one value; a ``ValueError`` rejects the row, naming the column."""
    try:
        return convert(row[column])
    except ValueError as error:
        raise RowRejected(column, str(error)) from None


def required(row: duo.DuoRow, column: str, what: str) -> str:
    if not row[column]:
        raise RowRejected(column, f"{what} is empty")
    return row[column]


def location_code(row: duo.DuoRow) -> str:
    return field(
        row, "VESTIGINGSCODE", lambda value: duo.location_code(value, row["INSTELLINGSCODE"])
    )


def school_kind(row: duo.DuoRow, file_kind: ImportKind) -> SchoolKind | None:
    """The kind of the location; ``None`` for a row the file kind does not take."""
    if file_kind is ImportKind.LOCATIONS_BO:
        return SchoolKind.BO
    value = required(row, duo.KIND_COLUMN, "the kind of education").upper()
    return SO_KINDS.get(value.replace(" ", ""))


def location_record(
    row: duo.DuoRow, code: str, kind: SchoolKind, geography: ReferenceGeography
) -> tuple[LocationRecord, list[Issue]]:
    """Check and normalise a location row; place it through its municipality and PC4."""
    institution = row["INSTELLINGSCODE"].upper() or code[:4]
    if institution != code[:4]:
        raise RowRejected(
            "INSTELLINGSCODE", f"{institution!r} does not match the location code {code}"
        )
    street = required(row, "STRAATNAAM", "the street of the visiting address")
    if street.lower().startswith("postbus"):
        raise RowRejected("STRAATNAAM", f"{street!r} is a PO box, not a visiting address")
    number, addition = field(row, "HUISNUMMER-TOEVOEGING", duo.house_number)
    postcode = field(row, "POSTCODE", duo.postcode)
    source = field(row, "GEMEENTENUMMER", duo.municipality_code)
    municipality, warnings = _municipality(row, source, postcode[:4], geography)
    placement = geography.place(municipality, postcode[:4])
    if placement.precision is LocationPrecision.MUNICIPALITY:
        message = (
            f"postcode area {postcode[:4]} is not in the reference table; "
            f"the location takes the centre of {municipality.name}"
        )
        warnings.append(Issue(row.line, "POSTCODE", message, IssueLevel.WARNING))
    record = LocationRecord(
        code=code,
        brin=institution,
        board_number=field(row, duo.BOARD_NUMBER, duo.board_number),
        name=required(row, "VESTIGINGSNAAM", "the name"),
        street=street,
        house_number=number,
        house_number_addition=addition,
        postcode=postcode,
        city=required(row, "PLAATSNAAM", "the place name"),
        source_municipality_code=source,
        municipality_code=municipality.code,
        province_code=municipality.province_code,
        safety_region_code=municipality.safety_region_code,
        police_unit_code=municipality.police_unit_code,
        latitude=placement.latitude,
        longitude=placement.longitude,
        location_precision=placement.precision,
        kind=kind,
        denomination=row["DENOMINATIE"] or None,
    )
    return record, warnings


def _municipality(
    row: duo.DuoRow, source: str, pc4: str, geography: ReferenceGeography
) -> tuple[MunicipalityRef, list[Issue]]:
    """The current municipality: by code, or — for a code that no longer exists — by PC4."""
    municipality = geography.municipalities.get(source)
    if municipality is not None:
        return municipality, []
    municipality = geography.municipality_of_pc4(pc4)
    if municipality is None:
        raise RowRejected(
            "GEMEENTENUMMER",
            f"{source} is not a current municipality and postcode area {pc4} is unknown, "
            "so the location cannot be placed",
        )
    named = f" ({row['GEMEENTENAAM']})" if row["GEMEENTENAAM"] else ""
    message = (
        f"{source}{named} is not a current municipality (merged?); placed in "
        f"{municipality.code} {municipality.name} through postcode area {pc4}"
    )
    return municipality, [Issue(row.line, "GEMEENTENUMMER", message, IssueLevel.WARNING)]


def board_record(row: duo.DuoRow) -> BoardRecord:
    return BoardRecord(
        number=field(row, duo.BOARD_NUMBER, duo.board_number),
        name=required(row, duo.BOARD_NAME, "the board name"),
        address=_address(row, "") or _address(row, " CORRESPONDENTIEADRES"),
    )


def _address(row: duo.DuoRow, suffix: str) -> str | None:
    """``Street 12-A, 1234 AB PLACE`` from the visiting or the correspondence columns."""
    street = f"{row['STRAATNAAM' + suffix]} {row['HUISNUMMER-TOEVOEGING' + suffix]}".strip()
    place = f"{row['POSTCODE' + suffix]} {row['PLAATSNAAM' + suffix]}".strip()
    return ", ".join(part for part in (street, place) if part) or None

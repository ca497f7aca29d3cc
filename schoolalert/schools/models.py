"""Boards, school locations, the reference geography they are placed in, and import runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schoolalert.database import str_enum, utcnow
from schoolalert.extensions import db

#: A DUO location code (VESTIGINGSCODE), such as ``16AH00``; input may use lower case.
SCHOOL_CODE_PATTERN = r"^[0-9]{2}[A-Za-z]{2}[0-9]{2}$"
#: The codes of the areas schools lie in (CBS and police), in any letter case.
POLICE_UNIT_PATTERN = r"^[Rr][Ee](?:0[1-9]|10)$"  # RE01 to RE10
PROVINCE_PATTERN = r"^[Pp][Vv](?:2[0-9]|3[01])$"  # PV20 to PV31
MUNICIPALITY_PATTERN = r"^[Gg][Mm][0-9]{4}$"  # GM0363


class SchoolKind(StrEnum):
    """The kind of primary education, as DUO names it (``SOORT PRIMAIR ONDERWIJS``)."""

    BO = "BO"  # regular primary education (basisonderwijs)
    SBAO = "SBAO"  # special primary education (speciaal basisonderwijs)
    SO = "SO"  # special education (speciaal onderwijs)
    SO_VSO = "(V)SO"  # a combined special and secondary special education location


class LocationPrecision(StrEnum):
    """Where a location's coordinates come from."""

    PC4 = "pc4"  # the centre of its four-digit postcode area
    MUNICIPALITY = "municipality"  # a point inside its municipality


class ImportKind(StrEnum):
    """Which DUO file an import run read."""

    LOCATIONS_BO = "locations_bo"
    LOCATIONS_SO = "locations_so"
    BOARDS = "boards"


class Municipality(db.Model):
    """A current (2025) municipality and the areas it belongs to (reference data)."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # CBS code, GM0363
    name: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str] = mapped_column(String(4))  # PV20 … PV31
    province_name: Mapped[str] = mapped_column(String(100))
    safety_region_code: Mapped[str] = mapped_column(String(4))  # VR01 … VR25
    safety_region_name: Mapped[str] = mapped_column(String(100))
    police_unit_code: Mapped[str] = mapped_column(String(4))  # RE01 … RE10
    police_unit_name: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class PostcodeArea(db.Model):
    """A four-digit postcode area with its centre (reference data)."""

    __tablename__ = "postcode_areas"

    pc4: Mapped[str] = mapped_column(String(4), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)


class Board(db.Model):
    """A school board (bevoegd gezag)."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)  # DUO BEVOEGD GEZAG NUMMER
    name: Mapped[str | None] = mapped_column(String(200))  # unknown until a boards file names it
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    schools: Mapped[list[School]] = relationship(back_populates="board")


class School(db.Model):
    """A school location (vestiging), keyed by its DUO ``VESTIGINGSCODE``."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # 16AH00
    brin: Mapped[str] = mapped_column(String(4), index=True)  # 16AH
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[int | None]
    house_number_addition: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str] = mapped_column(String(7))  # 1234 AB
    city: Mapped[str] = mapped_column(String(100))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    source_municipality_code: Mapped[str] = mapped_column(String(6))  # as in the file
    province_code: Mapped[str] = mapped_column(String(4), index=True)
    safety_region_code: Mapped[str] = mapped_column(String(4), index=True)
    police_unit_code: Mapped[str] = mapped_column(String(4), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    location_precision: Mapped[LocationPrecision] = mapped_column(
        str_enum(LocationPrecision, length=12)
    )
    kind: Mapped[SchoolKind] = mapped_column(str_enum(SchoolKind, length=8), index=True)
    denomination: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]

    board: Mapped[Board] = relationship(back_populates="schools")
    municipality: Mapped[Municipality] = relationship()


class ImportRun(db.Model):
    """One run of a DUO import (also dry runs), for the administrators' history."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: command line
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    file_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[ImportKind] = mapped_column(str_enum(ImportKind, length=16))
    dry_run: Mapped[bool] = mapped_column(default=False)
    encoding: Mapped[str] = mapped_column(String(20))
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    deactivated: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

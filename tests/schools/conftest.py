"""Fixtures for the school registry: DUO sample files, imports, registry snapshots."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from schoolalert.extensions import db
from schoolalert.schools.duo import normalise_header
from schoolalert.schools.geography import ensure_reference_geography
from schoolalert.schools.importer import ImportResult, import_boards, import_locations
from schoolalert.schools.models import Board, School
from schoolalert.transaction import commit
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "duo"
SHARED_DATA = ROOT.parent / "shared" / "data"
NATIONAL_FILE = SHARED_DATA / "duo" / "po_addresses_2013.csv"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edit_rows(raw: bytes, change: Callable[[list[list[str]]], None]) -> bytes:
    """Change a Windows-1252 DUO file as a list of rows of fields (``rows[0]`` is the header,
    ``rows[n - 1]`` is line n) and write it again in the same format."""
    rows = read_rows(raw)
    change(rows)
    output = io.StringIO(newline="")
    csv.writer(output, delimiter=";", lineterminator="\r\n").writerows(rows)
    return output.getvalue().encode("cp1252")


def read_rows(raw: bytes) -> list[list[str]]:
    """The rows of fields of a Windows-1252 DUO file (``rows[0]`` is the header)."""
    return list(csv.reader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))


def column(rows: list[list[str]], name: str) -> int:
    """The index of a column by its normalised name."""
    return [normalise_header(header) for header in rows[0]].index(name)


@pytest.fixture
def geography(app: Flask) -> None:
    """The reference tables in the database (a services test may find them truncated)."""
    with app.app_context():
        ensure_reference_geography(db.session)
        commit()


@pytest.fixture
def run_import(app: Flask) -> Callable[..., ImportResult]:
    """Call the import service as the command does: one commit at the end."""

    def run(raw: bytes, name: str = "vestigingenbo.csv", **options: Any) -> ImportResult:
        service = import_boards if options.pop("boards", False) else import_locations
        with app.app_context():
            result = service(db.session, raw, name, **options)
            commit()
        return result

    return run


@pytest.fixture
def registry(app: Flask) -> Callable[[], dict[str, dict[str, Any]]]:
    """The schools table as {code: row} (boards under ``board:NUMBER``), to compare states."""

    def snapshot() -> dict[str, dict[str, Any]]:
        with app.app_context():
            rows = {
                row["code"]: dict(row)
                for row in db.session.execute(select(School.__table__)).mappings()
            }
            for board in db.session.execute(select(Board.__table__)).mappings():
                rows[f"board:{board['number']}"] = dict(board)
            db.session.remove()
        return rows

    return snapshot


@pytest.fixture
def national_file() -> Path:
    if not NATIONAL_FILE.exists():
        pytest.skip(f"the DUO national file is not present at {NATIONAL_FILE}")
    return NATIONAL_FILE

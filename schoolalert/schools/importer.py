"""Importing DUO files into the registry (services: they flush, the caller commits once).

Locations are upserted by ``VESTIGINGSCODE``; a location of the kinds a file covers (a BO file:
BO; an SO file: SBAO, SO, (V)SO) that the file no longer lists becomes inactive — never
deleted. A rejected row changes nothing, and its location is not deactivated either. Existing
rows are read once and written in bulk, so the national file takes seconds.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session

from schoolalert.accounts.models import User
from schoolalert.audit import services as audit
from schoolalert.database import utcnow
from schoolalert.schools import duo, records
from schoolalert.schools.geography import (
    ReferenceGeography,
    ensure_reference_geography,
    reference_geography,
)
from schoolalert.schools.models import Board, ImportKind, ImportRun, School
from schoolalert.schools.records import Issue, IssueLevel, LocationRecord, RowRejected

LOCATION_FILES = frozenset({ImportKind.LOCATIONS_BO, ImportKind.LOCATIONS_SO})


@dataclass
class ImportResult:
    """What one import did (or, in a dry run, would do)."""

    kind: ImportKind
    file_name: str
    encoding: str
    layout: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    rejected: int = 0
    skipped: int = 0
    boards_created: int = 0
    issues: list[Issue] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None

    @property
    def warnings(self) -> int:
        return sum(issue.level is IssueLevel.WARNING for issue in self.issues)

    def reject(self, line: int, error: RowRejected) -> None:
        self.rejected += 1
        self.issues.append(Issue(line, error.column, error.message))

    def summary(self) -> str:
        boards = f", boards created {self.boards_created}" if self.boards_created else ""
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"deactivated {self.deactivated}, rejected {self.rejected}, skipped {self.skipped}, "
            f"warnings {self.warnings}{boards} ({self.seconds:.2f} s)"
        )


def import_locations(
    session: Session,
    raw: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    user_id: int | None = None,
) -> ImportResult:
    """Import a DUO locations file (BO or SO, either header); raise ``DuoFormatError``."""
    started = time.perf_counter()
    table = _read(raw, LOCATION_FILES)
    result = _result(table, file_name, dry_run)
    found, listed = _location_records(table, reference_geography(), result)
    if not dry_run:
        ensure_reference_geography(session)
    now = utcnow()
    board_ids = _board_ids(session, {record.board_number for record in found.values()}, result)
    existing = {row.code: row for row in session.execute(select(School.__table__)).mappings()}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for code, record in found.items():
        values = record.values() | {"board_id": board_ids.get(record.board_number)}
        current = existing.get(code)
        if current is None:
            inserts.append(values | {"active": True, "created_at": now, "updated_at": now})
        elif not current["active"] or any(current[key] != value for key, value in values.items()):
            updates.append(
                values
                | {"id": current["id"], "active": True, "updated_at": now, "deactivated_at": None}
            )
        else:
            result.unchanged += 1
    gone = _gone(table.kind, existing, listed, now)
    if listed is None:
        message = "a rejected row has no usable location code, so no location is deactivated"
        result.issues.append(Issue(None, None, message, IssueLevel.WARNING))
    result.created, result.updated, result.deactivated = len(inserts), len(updates), len(gone)
    if not dry_run:
        if inserts:
            session.execute(insert(School), inserts)
        if updates or gone:
            session.execute(update(School), updates + gone)
        _refresh_board_activity(session, now)
    return _record_run(session, result, started, user_id)


def _location_records(
    table: duo.DuoTable, geography: ReferenceGeography, result: ImportResult
) -> tuple[dict[str, LocationRecord], set[str] | None]:
    """The checked records by code, and every code the file lists (also rejected rows') —
    ``None`` when a rejected row's code is unknown: that row may list any location."""
    found: dict[str, LocationRecord] = {}
    lines: dict[str, int] = {}
    listed: set[str] | None = set()
    for row in table.rows:
        result.rows += 1
        code = None
        try:
            if row.problem:
                raise RowRejected(None, row.problem)
            code = records.location_code(row)
            if code in lines:
                raise RowRejected(
                    "VESTIGINGSCODE",
                    f"{code} is also on line {lines[code]}; this second occurrence is rejected",
                )
            lines[code] = row.line
            kind = records.school_kind(row, table.kind)
            if kind is None:
                result.skipped += 1
                continue
            if listed is not None:
                listed.add(code)
            record, warnings = records.location_record(row, code, kind, geography)
        except RowRejected as error:
            result.reject(row.line, error)
            if code is None:
                listed = None
            continue
        result.issues.extend(warnings)
        found[code] = record
    return found, listed


def _gone(
    kind: ImportKind, existing: dict[str, Any], listed: set[str] | None, now: datetime
) -> list[dict[str, Any]]:
    """Deactivations: active locations of the file's kinds that the file does not list."""
    if listed is None:
        return []
    covered = records.KINDS_OF_FILE[kind]
    return [
        {"id": row["id"], "active": False, "updated_at": now, "deactivated_at": now}
        for code, row in existing.items()
        if row["active"] and row["kind"] in covered and code not in listed
    ]


def _board_ids(session: Session, numbers: set[str], result: ImportResult) -> dict[str, int]:
    """Ids of the boards by number, creating a row for each number no board has yet."""
    ids = dict(session.execute(select(Board.number, Board.id)).all())
    missing = sorted(numbers - ids.keys())
    result.boards_created = len(missing)
    if missing and not result.dry_run:
        created = session.execute(
            insert(Board).returning(Board.number, Board.id),
            [{"number": number} for number in missing],
        )
        ids.update(created.all())
    return ids


def _refresh_board_activity(session: Session, now: datetime) -> None:
    """A board is active while at least one of its locations is."""
    has_active = exists().where(School.board_id == Board.id, School.active.is_(True))
    session.execute(
        update(Board)
        .where(Board.active != has_active)
        .values(active=has_active, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def import_boards(
    session: Session,
    raw: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    user_id: int | None = None,
) -> ImportResult:
    """Import a DUO boards file (``besturenbo.csv``): names and addresses by board number."""
    started = time.perf_counter()
    table = _read(raw, {ImportKind.BOARDS})
    result = _result(table, file_name, dry_run)
    found: dict[str, records.BoardRecord] = {}
    lines: dict[str, int] = {}
    for row in table.rows:
        result.rows += 1
        try:
            if row.problem:
                raise RowRejected(None, row.problem)
            record = records.board_record(row)
            if record.number in lines:
                raise RowRejected(
                    duo.BOARD_NUMBER,
                    f"{record.number} is also on line {lines[record.number]}; "
                    "this second occurrence is rejected",
                )
        except RowRejected as error:
            result.reject(row.line, error)
            continue
        lines[record.number] = row.line
        found[record.number] = record
    existing = {board.number: board for board in session.scalars(select(Board))}
    now = utcnow()
    for number, record in found.items():
        board = existing.get(number)
        if board is None:
            result.created += 1
            if not dry_run:
                session.add(Board(number=number, name=record.name, address=record.address))
        elif (board.name, board.address) != (record.name, record.address):
            result.updated += 1
            if not dry_run:
                board.name, board.address, board.updated_at = record.name, record.address, now
        else:
            result.unchanged += 1
    return _record_run(session, result, started, user_id)


def _read(raw: bytes, expected: Collection[ImportKind]) -> duo.DuoTable:
    table = duo.read_duo_file(raw)
    if table.kind in expected:
        return table
    if table.kind is ImportKind.BOARDS:
        raise duo.DuoFormatError(
            "this is a boards file (BEVOEGD GEZAG NUMMER/NAAM, no VESTIGINGSCODE), not a "
            "locations file; give it as the boards file (--boards)"
        )
    raise duo.DuoFormatError(
        "this is a locations file (it has VESTIGINGSCODE), not a boards file; "
        "give it as the locations file"
    )


def _result(table: duo.DuoTable, file_name: str, dry_run: bool) -> ImportResult:
    return ImportResult(table.kind, file_name, table.encoding, table.layout.value, dry_run)


def _record_run(
    session: Session, result: ImportResult, started: float, user_id: int | None
) -> ImportResult:
    """Keep the run (also a dry run) in ``import_runs``, with its report, and audit it — the
    same for an import from the web page and from the command line."""
    result.seconds = time.perf_counter() - started
    run = ImportRun(
        user_id=user_id,
        file_name=result.file_name[:255],
        kind=result.kind,
        dry_run=result.dry_run,
        encoding=result.encoding,
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        deactivated=result.deactivated,
        rejected=result.rejected,
        skipped=result.skipped,
        warnings=result.warnings,
        seconds=round(result.seconds, 3),
        report=[issue.as_json() for issue in result.issues],
    )
    session.add(run)
    session.flush()
    result.run_id = run.id
    audit.record(
        "schools.imported",
        actor=session.get(User, user_id) if user_id is not None else None,
        object_type="import_run",
        object_id=run.id,
        details={
            "kind": "boards" if result.kind == ImportKind.BOARDS else "locations",
            "dry_run": result.dry_run,
        },
    )
    return result

"""The consent register: a board's current state per location, the history, its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.consent import terms
from schoolalert.consent.models import (
    BoardParticipation,
    ParticipationChange,
    SchoolParticipation,
    TermsKind,
    TermsVersion,
)
from schoolalert.consent.participation import participating_clause
from schoolalert.errors import PermissionDenied
from schoolalert.extensions import db
from schoolalert.formats import iso
from schoolalert.schools.models import Board, School

PAGE_SIZE = 100
CSV_COLUMNS = (
    "occurred_at",
    "board_number",
    "board_name",
    "scope",
    "school_code",
    "school_name",
    "action",
    "terms_version",
    "actor",
    "actor_name",
)
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Status(StrEnum):
    PARTICIPATING = "participating"
    NOT_PARTICIPATING = "not_participating"
    WITHDRAWN = "withdrawn"  # taken out of the board-wide grant
    OUTDATED = "outdated"  # granted under terms that a newer version voided
    INACTIVE = "inactive"  # the location is no longer in the DUO register


@dataclass(frozen=True)
class SchoolState:
    school: School
    status: Status
    scope: str | None  # "board" or "location" while participating
    terms_version: int | None

    @property
    def participating(self) -> bool:
        return self.status is Status.PARTICIPATING


@dataclass(frozen=True)
class BoardState:
    board: Board
    board_wide: bool  # a board-wide grant is in force (and its terms still valid)
    board_terms_version: int | None
    board_grant_outdated: bool
    current_terms: TermsVersion | None
    schools: list[SchoolState]

    @property
    def participating_count(self) -> int:
        return sum(state.participating for state in self.schools)


def board_state(board: Board) -> BoardState:
    """Every location of the board with its state, in two queries plus the terms."""
    valid = set(db.session.scalars(terms.valid_version_ids(TermsKind.PARTICIPATION)))
    numbers = dict(db.session.execute(select(TermsVersion.id, TermsVersion.version)).all())
    board_grant = db.session.get(BoardParticipation, board.id)
    rows = {
        row.school_id: row
        for row in db.session.scalars(
            select(SchoolParticipation).where(SchoolParticipation.board_id == board.id)
        )
    }
    located = db.session.execute(
        select(School, participating_clause())
        .where(School.board_id == board.id)
        .order_by(School.name, School.code)
    ).all()
    board_valid = board_grant is not None and board_grant.terms_version_id in valid
    schools = []
    for school, participating in located:
        row = rows.get(school.id)
        own = row is not None and row.granted and row.terms_version_id in valid
        if participating:
            source = row if own else board_grant
            version = numbers.get(source.terms_version_id) if source else None
            scope = "location" if own else "board"
            schools.append(SchoolState(school, Status.PARTICIPATING, scope, version))
        else:
            schools.append(SchoolState(school, _why_not(school, row, board_grant), None, None))
    return BoardState(
        board=board,
        board_wide=board_valid,
        board_terms_version=numbers.get(board_grant.terms_version_id) if board_grant else None,
        board_grant_outdated=board_grant is not None and not board_valid,
        current_terms=terms.current_version(TermsKind.PARTICIPATION),
        schools=schools,
    )


def _why_not(
    school: School, row: SchoolParticipation | None, board_grant: BoardParticipation | None
) -> Status:
    if not school.active:
        return Status.INACTIVE
    if row is not None and not row.granted and board_grant is not None:
        return Status.WITHDRAWN
    if (row is not None and row.granted) or board_grant is not None:
        return Status.OUTDATED
    return Status.NOT_PARTICIPATING


def _history_query(board: Board | None) -> Select[tuple[ParticipationChange]]:
    query = select(ParticipationChange).options(
        joinedload(ParticipationChange.board),
        joinedload(ParticipationChange.school),
        joinedload(ParticipationChange.terms_version),
        joinedload(ParticipationChange.actor),
    )
    if board is not None:
        query = query.where(ParticipationChange.board_id == board.id)
    return query


def history(board: Board | None) -> list[ParticipationChange]:
    """Every change (of one board, or of all), oldest first."""
    return list(
        db.session.scalars(
            _history_query(board).order_by(ParticipationChange.occurred_at, ParticipationChange.id)
        )
    )


def history_page(board: Board | None, page: int) -> tuple[list[ParticipationChange], int]:
    """One page of changes, newest first, and the total count."""
    page = max(1, page)
    count = select(func.count()).select_from(ParticipationChange)
    if board is not None:
        count = count.where(ParticipationChange.board_id == board.id)
    rows = db.session.scalars(
        _history_query(board)
        .order_by(ParticipationChange.occurred_at.desc(), ParticipationChange.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(rows), db.session.scalar(count) or 0


def export(actor: User, board: Board | None) -> str:
    """The register as CSV — one board's (``board``, which the caller made visible to the actor)
    or every board's (administrators) — recorded in the audit trail, whichever page asked."""
    if board is None and actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators export the register of every board")
    audit.record(
        "consent.register_exported",
        actor=actor,
        object_type="board" if board else None,
        object_id=board.id if board else None,
        details={"board": board.number if board else None},
    )
    return csv_text(history(board))


def csv_text(changes: Iterable[ParticipationChange]) -> str:
    """UTF-8 text with BOM, ``;``-separated, CRLF, header row, ISO timestamps, formulas
    neutralised — what a Dutch spreadsheet opens cleanly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for change in changes:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    iso(change.occurred_at),
                    change.board.number,
                    change.board.name or "",
                    "location" if change.school else "board",
                    change.school.code if change.school else "",
                    change.school.name if change.school else "",
                    change.action.value,
                    change.terms_version.version if change.terms_version else "",
                    change.actor.code if change.actor else "",
                    change.actor.name if change.actor else "",
                )
            ]
        )
    return buffer.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text

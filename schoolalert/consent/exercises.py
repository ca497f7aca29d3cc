"""Which locations take part in exercises, and opting in and out (a consent of its own).

An exercise alert reaches a location only when it participates *and* its board's admin opted
it in to exercises. ``"all"`` opts in every active location the board has now (a location added
later is not included). Every change is appended to ``exercise_changes``; only the board's own
admin acts for it. Services ``flush()``; the request commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, select

from schoolalert.accounts.models import User
from schoolalert.audit import services as audit
from schoolalert.consent.boards import require_own_board, school_of_board
from schoolalert.consent.models import ConsentAction, ExerciseChange, ExerciseOptIn
from schoolalert.consent.participation import chosen_schools
from schoolalert.errors import Conflict
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


def exercising_clause() -> ColumnElement[bool]:
    """True for a :class:`School` opted in to exercises by its current board."""
    return exists().where(
        ExerciseOptIn.school_id == School.id, ExerciseOptIn.board_id == School.board_id
    )


def opt_in(
    actor: User, board: Board, *, schools: Sequence[str] | Literal["all"]
) -> list[ExerciseChange]:
    """Opt the whole board's active locations (``"all"``) or chosen ones in to exercises; a
    location already opted in is left as it is."""
    require_own_board(actor, board)
    if schools == "all":
        chosen = list(
            db.session.scalars(
                select(School)
                .where(School.board_id == board.id, School.active.is_(True))
                .order_by(School.code)
            )
        )
    else:
        chosen = chosen_schools(board, schools)
    changes = []
    for school in chosen:
        row = db.session.get(ExerciseOptIn, school.id)
        if row is not None and row.board_id == board.id:
            continue
        if row is not None:  # left over from before the location changed boards
            db.session.delete(row)
            db.session.flush()
        db.session.add(
            ExerciseOptIn(school_id=school.id, board_id=board.id, opted_in_by_id=actor.id)
        )
        changes.append(_record(actor, board, school, ConsentAction.GRANT))
    return changes


def opt_out(actor: User, board: Board, code: str) -> ExerciseChange:
    """Take one location out of exercises, effective at once (Conflict when it was not in)."""
    require_own_board(actor, board)
    school = school_of_board(board, code)
    row = db.session.get(ExerciseOptIn, school.id)
    if row is None or row.board_id != board.id:
        raise Conflict(
            str(
                _l(
                    "%(code)s does not take part in exercises: there is nothing to withdraw.",
                    code=school.code,
                )
            )
        )
    db.session.delete(row)
    return _record(actor, board, school, ConsentAction.WITHDRAW)


@dataclass(frozen=True)
class ExerciseState:
    school: School
    opted_in: bool
    history: list[ExerciseChange]


def board_state(board: Board) -> list[ExerciseState]:
    """Per location of the board (by name): opted in or not, and its changes, oldest first."""
    opted = set(
        db.session.scalars(
            select(ExerciseOptIn.school_id).where(ExerciseOptIn.board_id == board.id)
        )
    )
    changes = db.session.scalars(
        select(ExerciseChange)
        .where(ExerciseChange.board_id == board.id)
        .order_by(ExerciseChange.occurred_at, ExerciseChange.id)
    ).all()
    schools = db.session.scalars(
        select(School).where(School.board_id == board.id).order_by(School.name, School.code)
    )
    return [
        ExerciseState(
            school=school,
            opted_in=school.id in opted,
            history=[change for change in changes if change.school_id == school.id],
        )
        for school in schools
    ]


def _record(actor: User, board: Board, school: School, action: ConsentAction) -> ExerciseChange:
    change = ExerciseChange(
        board_id=board.id, school_id=school.id, action=action, actor_id=actor.id
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        "consent.exercises_opted_in"
        if action == ConsentAction.GRANT
        else "consent.exercises_opted_out",
        actor=actor,
        object_type="school",
        object_id=school.id,
        details={"board": board.number, "school": school.code},
    )
    return change

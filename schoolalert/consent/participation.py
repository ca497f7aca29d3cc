"""Which school locations participate, and granting and withdrawing it (PRODUCT I1).

Only the board's own admin grants and withdraws (another board is NotFound: they may not know
it exists). Services ``flush()``; the request or command commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.consent import terms
from schoolalert.consent.boards import require_own_board, school_of_board
from schoolalert.consent.models import (
    BoardParticipation,
    ConsentAction,
    ParticipationChange,
    SchoolParticipation,
    TermsKind,
)
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, Unresolvable
from schoolalert.events import ConsentChanged
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School

MAX_SCHOOLS_PER_GRANT = 1000


def participating_clause() -> ColumnElement[bool]:
    """True for a :class:`School` that participates right now (one SQL expression, no loop).

    An active location participates when it has a location-level grant in force, or when its
    board has a board-wide grant in force and the location was not withdrawn from it — each
    under a participation-terms version that is still valid.
    """
    own_row = and_(
        SchoolParticipation.school_id == School.id,
        SchoolParticipation.board_id == School.board_id,
    )
    location_grant = exists().where(
        own_row,
        SchoolParticipation.granted.is_(True),
        terms.is_valid(TermsKind.PARTICIPATION, SchoolParticipation.terms_version_id),
    )
    withdrawn = exists().where(own_row, SchoolParticipation.granted.is_(False))
    board_grant = exists().where(
        BoardParticipation.board_id == School.board_id,
        terms.is_valid(TermsKind.PARTICIPATION, BoardParticipation.terms_version_id),
    )
    return and_(School.active.is_(True), or_(location_grant, and_(board_grant, ~withdrawn)))


def school_participates(school_id: int) -> bool:
    found = db.session.scalar(
        select(School.id).where(School.id == school_id, participating_clause())
    )
    return found is not None


def grant(
    actor: User, board: Board, *, schools: Sequence[str] | Literal["all"], terms_version: object
) -> list[ParticipationChange]:
    """Grant participation for the whole board (``"all"``) or for chosen locations, under the
    current participation terms (an older or unknown version is refused)."""
    require_own_board(actor, board)
    accepted = terms.require_current(TermsKind.PARTICIPATION, terms_version)
    now = utcnow()
    if schools == "all":
        current = db.session.get(BoardParticipation, board.id)
        if current is None:
            current = BoardParticipation(board_id=board.id)
            db.session.add(current)
        current.terms_version_id, current.granted_at, current.granted_by_id = (
            accepted.id,
            now,
            actor.id,
        )
        _delete_location_rows(board)
        return [_record(actor, board, None, ConsentAction.GRANT, accepted.id)]
    changes = []
    for school in chosen_schools(board, schools):
        row = db.session.get(SchoolParticipation, school.id)
        if row is None:
            row = SchoolParticipation(school_id=school.id)
            db.session.add(row)
        row.board_id, row.granted, row.terms_version_id = board.id, True, accepted.id
        row.changed_at, row.changed_by_id = now, actor.id
        changes.append(_record(actor, board, school, ConsentAction.GRANT, accepted.id))
    return changes


def withdraw_school(actor: User, board: Board, code: str) -> ParticipationChange:
    """Withdraw one location, effective at once: its own grant ends, and it is taken out of a
    board-wide grant. Conflict when the location had no grant to withdraw."""
    require_own_board(actor, board)
    school = school_of_board(board, code)
    row = db.session.get(SchoolParticipation, school.id)
    if row is not None and row.board_id != board.id:
        db.session.delete(row)  # left over from before the location changed boards
        db.session.flush()
        row = None
    board_grant = db.session.get(BoardParticipation, board.id)
    if row is not None and row.granted:
        ended = row.terms_version_id
        if board_grant is None:
            db.session.delete(row)
        else:
            row.granted, row.terms_version_id = False, None
            row.changed_at, row.changed_by_id = utcnow(), actor.id
    elif row is None and board_grant is not None:
        ended = board_grant.terms_version_id
        db.session.add(
            SchoolParticipation(
                school_id=school.id, board_id=board.id, granted=False, changed_by_id=actor.id
            )
        )
    else:
        raise Conflict(
            str(
                _l(
                    "%(code)s does not take part: there is nothing to withdraw.",
                    code=school.code,
                )
            )
        )
    return _record(actor, board, school, ConsentAction.WITHDRAW, ended)


def withdraw_board(actor: User, board: Board) -> ParticipationChange:
    """Withdraw the whole board — the board-wide grant and every location's — at once."""
    require_own_board(actor, board)
    board_grant = db.session.get(BoardParticipation, board.id)
    location_grants = db.session.scalars(
        select(SchoolParticipation.terms_version_id).where(
            SchoolParticipation.board_id == board.id, SchoolParticipation.granted.is_(True)
        )
    ).all()
    if board_grant is None and not location_grants:
        raise Conflict(str(_l("This board does not take part: there is nothing to withdraw.")))
    ended = board_grant.terms_version_id if board_grant else max(location_grants)
    if board_grant is not None:
        db.session.delete(board_grant)
    _delete_location_rows(board)
    return _record(actor, board, None, ConsentAction.WITHDRAW, ended)


def chosen_schools(board: Board, codes: Sequence[str]) -> list[School]:
    """The listed locations of the board, all active; Unresolvable naming any other."""
    if isinstance(codes, str) or not isinstance(codes, Sequence) or not codes:
        raise InvalidInput('schools must be "all" or a list of location codes', field="schools")
    if len(codes) > MAX_SCHOOLS_PER_GRANT or not all(isinstance(code, str) for code in codes):
        raise InvalidInput(
            f"schools must be at most {MAX_SCHOOLS_PER_GRANT} location codes", field="schools"
        )
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes))
    found = {
        school.code: school
        for school in db.session.scalars(
            select(School).where(School.code.in_(wanted), School.board_id == board.id)
        )
    }
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise Unresolvable(
            f"not a location of this board: {', '.join(unknown[:20])}; nothing was granted",
            field="schools",
        )
    inactive = [code for code in wanted if not found[code].active]
    if inactive:
        raise Unresolvable(
            f"no longer an active location: {', '.join(inactive[:20])}; nothing was granted",
            field="schools",
        )
    return [found[code] for code in wanted]


def _delete_location_rows(board: Board) -> None:
    db.session.execute(
        delete(SchoolParticipation)
        .where(SchoolParticipation.board_id == board.id)
        .execution_options(synchronize_session="fetch")
    )


def _record(
    actor: User,
    board: Board,
    school: School | None,
    action: ConsentAction,
    terms_version_id: int | None,
) -> ParticipationChange:
    """History row, audit entry and event of one grant or withdrawal."""
    change = ParticipationChange(
        board_id=board.id,
        school_id=school.id if school else None,
        action=action,
        terms_version_id=terms_version_id,
        actor_id=actor.id,
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        "consent.granted" if action == ConsentAction.GRANT else "consent.withdrawn",
        actor=actor,
        object_type="school" if school else "board",
        object_id=school.id if school else board.id,
        details={
            "board": board.number,
            "school": school.code if school else None,
            "terms_version": change.terms_version.version if change.terms_version else None,
        },
    )
    current_app.extensions["schoolalert.plugins"].track_event(
        ConsentChanged(
            board_id=board.id,
            school_id=school.id if school else None,
            granted=action == ConsentAction.GRANT,
            actor_id=actor.id,
        )
    )
    return change


def withdrawal_scope(actor: User, board: Board, scope: str) -> tuple[list[School], int]:
    """What a withdrawal of ``scope`` ("all" or a location code) would touch, for the
    confirmation step: the locations and the number of active staff accounts there."""
    require_own_board(actor, board)
    if scope == "all":
        schools = list(
            db.session.scalars(
                select(School).where(School.board_id == board.id).order_by(School.name)
            )
        )
    else:
        schools = [school_of_board(board, scope)]
    staff = db.session.scalar(
        select(func.count()).where(
            User.role == Role.SCHOOL_STAFF,
            User.active.is_(True),
            User.school_id.in_([school.id for school in schools]),
        )
    )
    return schools, int(staff or 0)

"""Participation rules and the questions the alert life cycle asks (PRODUCT I1).

Services check the actor themselves: a board admin acts only for their own board (another board
is NotFound — they may not know it exists). They ``flush()``; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, exists, or_, select
from sqlalchemy.exc import IntegrityError

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.consent import terms
from schoolalert.consent.models import (
    BoardParticipation,
    ConsentAction,
    ParticipationChange,
    SchoolParticipation,
    StaffAgreement,
    TermsKind,
)
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolalert.events import ConsentChanged
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School

MAX_SCHOOLS_PER_GRANT = 1000

# -- what the alert life cycle asks -------------------------------------------------------------


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


def _accepted_current_statement(user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    return exists().where(
        StaffAgreement.user_id == user_id,
        terms.is_valid(TermsKind.CONFIDENTIALITY, StaffAgreement.terms_version_id),
    )


def has_accepted_current_statement(user: User) -> bool:
    """Whether ``user`` accepted a confidentiality statement version that still counts."""
    return bool(db.session.scalar(select(_accepted_current_statement(user.id))))


def briefing_required(user: User) -> bool:
    """Staff must read the briefing and accept the current confidentiality statement before
    they see an alert: redirect them to ``consent.briefing`` while this is true."""
    return user.role == Role.SCHOOL_STAFF and not has_accepted_current_statement(user)


def eligible_staff_clause() -> ColumnElement[bool]:
    """True for a :class:`User` who is active school staff and accepted the current statement
    (the caller checks the school)."""
    return and_(
        User.role == Role.SCHOOL_STAFF,
        User.active.is_(True),
        _accepted_current_statement(User.id),
    )


# -- boards as the actor may see them ---------------------------------------------------------


def visible_board(actor: User, number: str) -> Board:
    """Any board for an administrator, their own for a board admin; NotFound otherwise."""
    board = db.session.scalar(select(Board).where(Board.number == str(number).strip()))
    if board is None or not (
        actor.role == Role.ADMIN or (actor.role == Role.BOARD_ADMIN and actor.board_id == board.id)
    ):
        raise NotFound("no such board")
    return board


def require_own_board(actor: User, board: Board) -> None:
    """Only the board's own admin acts for it."""
    if actor.role != Role.BOARD_ADMIN:
        raise PermissionDenied("only the board's contact person acts for the board")
    if actor.board_id != board.id:
        raise NotFound("no such board")


def school_of_board(board: Board, code: str) -> School:
    school = db.session.scalar(
        select(School).where(School.code == str(code).strip().upper(), School.board_id == board.id)
    )
    if school is None:
        raise NotFound("no such school location on this board")
    return school


# -- granting and withdrawing -------------------------------------------------------------------


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
    for school in _chosen_schools(board, schools):
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
        raise Conflict(f"{school.code} does not participate: there is nothing to withdraw")
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
        raise Conflict("this board does not participate: there is nothing to withdraw")
    ended = board_grant.terms_version_id if board_grant else max(location_grants)
    if board_grant is not None:
        db.session.delete(board_grant)
    _delete_location_rows(board)
    return _record(actor, board, None, ConsentAction.WITHDRAW, ended)


def _chosen_schools(board: Board, codes: Sequence[str]) -> list[School]:
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
        raise InvalidInput(
            f"not a location of this board: {', '.join(unknown[:20])}; nothing was granted",
            field="schools",
        )
    inactive = [code for code in wanted if not found[code].active]
    if inactive:
        raise InvalidInput(
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


# -- staff agreements ---------------------------------------------------------------------------


def find_agreement(user_id: int, statement_id: int) -> StaffAgreement | None:
    return db.session.scalar(
        select(StaffAgreement).filter_by(user_id=user_id, terms_version_id=statement_id)
    )


def accept_statement(user: User, terms_version: object) -> tuple[StaffAgreement, bool]:
    """Staff accept the current confidentiality statement (after reading the briefing).

    Returns the agreement and whether it is new; accepting the same version again changes
    nothing. An older or unknown version is refused.
    """
    if user.role != Role.SCHOOL_STAFF:
        raise PermissionDenied("only school staff accept the confidentiality statement")
    statement = terms.require_current(TermsKind.CONFIDENTIALITY, terms_version)
    existing = find_agreement(user.id, statement.id)
    if existing is not None:
        return existing, False
    agreement = StaffAgreement(user_id=user.id, terms_version_id=statement.id)
    try:
        with db.session.begin_nested():
            db.session.add(agreement)
    except IntegrityError:  # the same acceptance from another tab, committed a moment earlier
        return db.session.scalars(
            select(StaffAgreement).filter_by(user_id=user.id, terms_version_id=statement.id)
        ).one(), False
    audit.record(
        "agreement.accepted",
        actor=user,
        object_type="terms_version",
        object_id=statement.id,
        details={"kind": statement.kind.value, "version": statement.version},
    )
    return agreement, True

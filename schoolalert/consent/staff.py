"""Board admins invite staff to the board's locations, see them, and deactivate them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from schoolalert.accounts import links
from schoolalert.accounts import services as accounts
from schoolalert.accounts.models import LinkPurpose, OneTimeLink, User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.consent import terms
from schoolalert.consent.boards import require_own_board
from schoolalert.consent.models import StaffAgreement, TermsKind
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, NotFound, Unresolvable
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


@dataclass(frozen=True)
class StaffMember:
    user: User
    state: str  # "active", "invited", "invitation_expired" or "deactivated"
    accepted_statement: bool


def invite_staff(
    actor: User, board: Board, *, email: str, name: str, school_code: str
) -> accounts.Invitation:
    """A staff account at one of the board's locations, with an invitation link by e-mail.

    An address that already has an account answers the same; its owner gets a neutral notice.
    """
    require_own_board(actor, board)
    school = db.session.scalar(
        select(School).where(
            School.code == str(school_code or "").strip().upper(), School.board_id == board.id
        )
    )
    if school is None:
        raise Unresolvable(str(_l("Choose a location of this board.")), field="school")
    return accounts.invite(actor, email=email, name=name, role=Role.SCHOOL_STAFF, school=school)


def staff_of_board(board: Board) -> list[StaffMember]:
    """Staff of the board's locations (the caller has checked the board is visible)."""
    users = list(
        db.session.scalars(
            select(User)
            .join(School, User.school_id == School.id)
            .where(School.board_id == board.id, User.role == Role.SCHOOL_STAFF)
            .order_by(School.name, School.code, User.name)
        )
    )
    ids = [user.id for user in users]
    pending = set(
        db.session.scalars(
            select(OneTimeLink.user_id).where(
                OneTimeLink.user_id.in_(ids),
                OneTimeLink.purpose == LinkPurpose.INVITATION,
                OneTimeLink.used_at.is_(None),
                OneTimeLink.expires_at > utcnow(),
            )
        )
    )
    accepted = set(
        db.session.scalars(
            select(StaffAgreement.user_id).where(
                StaffAgreement.user_id.in_(ids),
                terms.is_valid(TermsKind.CONFIDENTIALITY, StaffAgreement.terms_version_id),
            )
        )
    )
    return [StaffMember(user, _state(user, pending), user.id in accepted) for user in users]


def _state(user: User, pending: set[int]) -> str:
    if not user.active:
        return "deactivated"
    if user.password_hash is not None:
        return "active"
    return "invited" if user.id in pending else "invitation_expired"


def staff_member(board: Board, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if (
        user is None
        or user.role != Role.SCHOOL_STAFF
        or user.school is None
        or user.school.board_id != board.id
    ):
        raise NotFound("no such staff member")
    return user


def deactivate_staff(actor: User, board: Board, user_id: int) -> User:
    """Deactivate a staff member of the board: their sessions and tokens end at once."""
    require_own_board(actor, board)
    user = staff_member(board, user_id)
    accounts.deactivate_user(actor, user)
    return user


def unlock_staff(actor: User, board: Board, user_id: int) -> User:
    """Lift the second-factor lock of a staff member of the board (audited)."""
    require_own_board(actor, board)
    user = staff_member(board, user_id)
    accounts.unlock_second_factor(actor, user)
    return user


def resend_invitation(actor: User, board: Board, user_id: int) -> User:
    """A new invitation link for staff who have not chosen a password yet."""
    require_own_board(actor, board)
    user = staff_member(board, user_id)
    if not user.active or user.password_hash is not None:
        raise Conflict(str(_l("This account has no open invitation.")))
    links.create_link(user, LinkPurpose.INVITATION, created_by=actor)
    audit.record("user.invitation_resent", actor=actor, object_type="user", object_id=user.id)
    return user


def own_staff_member(actor: User, board: Board, user_id: int) -> User:
    """A staff member of the actor's own board (for the deactivation's confirmation step)."""
    require_own_board(actor, board)
    return staff_member(board, user_id)

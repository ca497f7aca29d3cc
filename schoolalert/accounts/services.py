"""Account rules: sign-in checks, creating and inviting users, deactivation, roles, factors.

Every function that changes someone else's account takes the ``actor`` and checks the actor's
role itself; ``actor=None`` is the operator at the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from schoolalert.accounts import links, notices, second_factor
from schoolalert.accounts.models import LinkPurpose, User
from schoolalert.accounts.passwords import (
    check_password_choice,
    hash_password,
)
from schoolalert.accounts.roles import Role
from schoolalert.accounts.sessions import end_all_sessions
from schoolalert.accounts.tokens import revoke_all_tokens
from schoolalert.audit import services as audit
from schoolalert.database import utcnow
from schoolalert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School

# Roles an administrator invites directly; board admins and staff come with their board/school.
ADMIN_INVITES = frozenset({Role.ADMIN, Role.INVESTIGATOR, Role.PROSECUTOR, Role.SUPPORT_WORKER})


def normalise_email(email: str) -> str:
    """A valid address in one canonical form (lower case), or InvalidInput."""
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(str(error), field="email") from None
    return valid.normalized.lower()


def find_user_by_email(email: str) -> User | None:
    try:
        normalised = normalise_email(email)
    except InvalidInput:
        return None
    return db.session.scalar(select(User).where(User.email == normalised))


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    invite: bool = False,
    school: School | None = None,
    board: Board | None = None,
) -> User:
    """A new account. Administrators (or the CLI) create any role; a board admin creates only
    staff of their own board's locations (through ``consent.staff.invite_staff``)."""
    if actor is not None and actor.role != Role.ADMIN and not _is_own_staff(actor, role, school):
        raise PermissionDenied("only administrators create accounts")
    _check_affiliation(Role(role), school, board)
    email = normalise_email(email)
    name = _valid_name(name)
    if find_user_by_email(email) is not None:
        raise Conflict("an account with this e-mail address exists", field="email")
    user = User(email=email, name=name, role=Role(role), active=True, school=school, board=board)
    db.session.add(user)
    db.session.flush()
    if password is not None:
        set_password(user, password, reason="created")
    audit.record(
        "user.created",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"role": user.role.value},
    )
    if invite:
        links.create_link(user, LinkPurpose.INVITATION, created_by=actor)
    return user


@dataclass(frozen=True)
class Invitation:
    """What an invitation answers: the same for a new and an existing address.

    ``user`` is the new account, or None when the address already had one (its owner gets a
    neutral notice instead); the edges must not tell the two apart.
    """

    email: str
    name: str
    user: User | None


def invite(
    actor: User,
    *,
    email: str,
    name: str,
    role: Role,
    school: School | None = None,
    board: Board | None = None,
) -> Invitation:
    """Invite a new account; for an address that has one, mail its owner a neutral notice.

    The input is checked the same way first, so the answer never shows whether the address
    is known (no 409 to enumerate accounts with).
    """
    if actor.role != Role.ADMIN and not _is_own_staff(actor, role, school):
        raise PermissionDenied("only administrators create accounts")
    _check_affiliation(Role(role), school, board)
    email = normalise_email(email)
    name = _valid_name(name)
    existing = find_user_by_email(email)
    if existing is None:
        user = create_user(
            actor, email=email, name=name, role=role, invite=True, school=school, board=board
        )
        return Invitation(email, name, user)
    notices.queue_notice(existing, notices.EXISTING_ACCOUNT)
    audit.record("user.invited_existing", actor=actor, object_type="user", object_id=existing.id)
    return Invitation(email, name, None)


def invite_user(actor: User, *, email: str, name: str, role: Role) -> Invitation:
    """An administrator invites police, OM, administrator and support accounts."""
    if Role(role) not in ADMIN_INVITES:
        raise InvalidInput("board admins and staff are invited with their board", field="role")
    return invite(actor, email=email, name=name, role=role)


def set_password(user: User, password: str, *, reason: str) -> None:
    """Store a new password (choice rules apply) and end every session and token of the user."""
    check_password_choice(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user.id, "password_changed")
    revoke_all_tokens(user.id)
    audit.record(
        "user.password_set",
        actor=user,
        object_type="user",
        object_id=user.id,
        details={"reason": reason},
    )
    db.session.flush()


def request_password_reset(email: str) -> None:
    """Mail a reset link when the account exists; the same work whether it does or not.

    The request only queues the work; the task looks the account up and makes the link, so
    neither the answer nor its timing shows whether the address is known.
    """
    notices.queue_password_reset(email)


def get_user(actor: User | None, user_id: int) -> User:
    """An account an administrator manages; NotFound for everyone else."""
    if actor is not None and actor.role != Role.ADMIN:
        raise NotFound("no such user")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def deactivate_user(actor: User | None, user: User) -> None:
    """Ends every session and token at once; the account stays for the audit trail.

    Administrators deactivate anyone, a board admin the staff of the board's locations."""
    if (
        actor is not None
        and actor.role != Role.ADMIN
        and not _is_own_staff(actor, user.role, user.school)
    ):
        raise PermissionDenied("only administrators manage accounts")
    if actor is not None and actor.id == user.id:
        raise Conflict("you cannot deactivate your own account")
    if not user.active:
        return
    user.active = False
    user.deactivated_at = utcnow()
    end_all_sessions(user.id, "deactivated")
    revoke_all_tokens(user.id)
    audit.record("user.deactivated", actor=actor, object_type="user", object_id=user.id)
    db.session.flush()


def reactivate_user(actor: User | None, user: User) -> None:
    _require_admin(actor)
    if user.active:
        return
    user.active = True
    user.deactivated_at = None
    audit.record("user.reactivated", actor=actor, object_type="user", object_id=user.id)
    db.session.flush()


def change_role(actor: User | None, user: User, role: Role) -> None:
    """Between the roles an administrator invites; sessions end so the new role applies."""
    _require_admin(actor)
    role = Role(role)
    if role not in ADMIN_INVITES or user.role not in ADMIN_INVITES:
        raise InvalidInput("board admins and staff keep their role; invite a new account")
    if actor is not None and actor.id == user.id:
        raise Conflict("you cannot change your own role")
    if user.role == role:
        return
    previous = user.role
    user.role = role
    end_all_sessions(user.id, "role_changed")
    revoke_all_tokens(user.id)
    audit.record(
        "user.role_changed",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"from": previous.value, "to": role.value},
    )
    db.session.flush()


def unlock_second_factor(actor: User | None, user: User) -> None:
    """Lift a second-factor lockout: an administrator, or the board admin of the user's school."""
    if (
        actor is not None
        and actor.role != Role.ADMIN
        and not _is_own_staff(actor, user.role, user.school)
    ):
        raise NotFound("no such user")
    if user.second_factor_locked_at is None and not user.second_factor_failures:
        return
    user.second_factor_locked_at = None
    user.second_factor_failures = 0
    audit.record("user.second_factor_unlocked", actor=actor, object_type="user", object_id=user.id)
    db.session.flush()


def reset_second_factor(actor: User | None, user: User) -> None:
    """The user enrols a new factor at the next sign-in; their sessions end now."""
    _require_admin(actor)
    second_factor.remove_second_factors(user)
    user.second_factor_locked_at = None
    user.second_factor_failures = 0
    end_all_sessions(user.id, "second_factor_reset")
    revoke_all_tokens(user.id)
    audit.record("user.second_factor_reset", actor=actor, object_type="user", object_id=user.id)
    db.session.flush()


def list_users(actor: User, *, role: Role | None = None, query: str = "") -> list[User]:
    _require_admin(actor)
    statement = select(User).order_by(User.name)
    if role is not None:
        statement = statement.where(User.role == role)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(User.name).like(pattern) | func.lower(User.email).like(pattern)
        )
    return list(db.session.scalars(statement.limit(500)))


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a name of 1 to 200 characters is needed", field="name")
    return name


def _check_affiliation(role: Role, school: School | None, board: Board | None) -> None:
    """Staff have a school location, board admins a board, everyone else neither."""
    if role == Role.SCHOOL_STAFF and (school is None or board is not None):
        raise InvalidInput("school staff need a school location (and no board)", field="school")
    if role == Role.BOARD_ADMIN and (board is None or school is not None):
        raise InvalidInput("a board admin needs a board (and no school)", field="board")
    if role not in (Role.SCHOOL_STAFF, Role.BOARD_ADMIN) and (school or board):
        raise InvalidInput("only staff and board admins belong to a school or board")
    if school is not None and not school.active:
        raise InvalidInput("this school location is not active", field="school")


def _is_own_staff(actor: User, role: Role, school: School | None) -> bool:
    """Whether ``actor`` is a board admin and ``role``/``school`` staff of their board."""
    return (
        actor.role == Role.BOARD_ADMIN
        and Role(role) == Role.SCHOOL_STAFF
        and school is not None
        and actor.board_id is not None
        and school.board_id == actor.board_id
    )


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("only administrators manage accounts")

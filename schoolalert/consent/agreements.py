"""The staff's confidentiality statement: whether it is accepted, and accepting it."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, exists, select
from sqlalchemy.exc import IntegrityError

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.audit import services as audit
from schoolalert.consent import terms
from schoolalert.consent.models import (
    StaffAgreement,
    TermsKind,
)
from schoolalert.errors import PermissionDenied
from schoolalert.extensions import db


def accepted_current_statement_clause(user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    return exists().where(
        StaffAgreement.user_id == user_id,
        terms.is_valid(TermsKind.CONFIDENTIALITY, StaffAgreement.terms_version_id),
    )


def has_accepted_current_statement(user: User) -> bool:
    """Whether ``user`` accepted a confidentiality statement version that still counts."""
    return bool(db.session.scalar(_accepted_query(), {"user_id": user.id}))


@cache
def _accepted_query() -> Select[tuple[bool]]:
    """Built once per process: the staff portal asks it on its pages."""
    return select(accepted_current_statement_clause(bindparam("user_id")))


def briefing_required(user: User) -> bool:
    """Staff must read the briefing and accept the current confidentiality statement before
    they see an alert: redirect them to ``consent.briefing`` while this is true."""
    return user.role == Role.SCHOOL_STAFF and not has_accepted_current_statement(user)


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

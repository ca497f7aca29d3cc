"""Which staff members may see the live alerts of their school: the one definition (PRODUCT I1).

The alert pages (:mod:`schoolalert.alerts.access`) and the notifications at publication
(:mod:`schoolalert.alerts.review`) both ask this module, so a staff member is told about an alert
exactly when they may open it. The alert's own conditions (published, not expired, their school
in its frozen recipient set) come on top.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, select

from schoolalert.accounts.models import Authenticator, User
from schoolalert.accounts.roles import Role
from schoolalert.consent.agreements import accepted_current_statement_clause
from schoolalert.consent.participation import participating_clause
from schoolalert.extensions import db
from schoolalert.schools.models import School


def eligible_staff_clause() -> ColumnElement[bool]:
    """True for a :class:`User` who is school staff, active, has a confirmed second factor,
    works at a location that participates right now, and accepted the current confidentiality
    statement (one SQL expression over ``User``)."""
    return and_(
        User.role == Role.SCHOOL_STAFF,
        User.active.is_(True),
        User.school_id.is_not(None),
        exists().where(Authenticator.user_id == User.id, Authenticator.confirmed_at.is_not(None)),
        exists().where(School.id == User.school_id, participating_clause()),
        accepted_current_statement_clause(User.id),
    )


def staff_may_see_alerts(user: User) -> bool:
    """:func:`eligible_staff_clause` for one user, read from the database."""
    if user.role != Role.SCHOOL_STAFF:
        return False
    return db.session.scalar(_eligible_user_query(), {"user_id": user.id}) is not None


@cache
def _eligible_user_query() -> Select[tuple[int]]:
    """Built once per process: the staff portal asks it on its pages."""
    return select(User.id).where(User.id == bindparam("user_id"), eligible_staff_clause())

"""TEMPORARY STUB (not committed): replaced by the consent branch."""

from sqlalchemy import ColumnElement

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.extensions import db
from schoolalert.schools.models import School


def participating_clause() -> ColumnElement[bool]:
    return School.active.is_(True)


def school_participates(school_id: int) -> bool:
    school = db.session.get(School, school_id)
    return bool(school and school.active)


def has_accepted_current_statement(user: User) -> bool:
    return True


def eligible_staff_clause() -> ColumnElement[bool]:
    return (User.role == Role.SCHOOL_STAFF) & User.active.is_(True)

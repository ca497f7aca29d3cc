"""Searching the school registry, with each location's participation (one query per page)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import selectinload

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import SCHOOL_READERS, Role
from schoolalert.consent.participation import participating_clause
from schoolalert.errors import PermissionDenied
from schoolalert.extensions import db
from schoolalert.schools.models import Municipality, School

PAGE_SIZE = 100


@dataclass(frozen=True)
class Search:
    text: str = ""  # part of the name, or the code
    municipality: str | None = None  # CBS code, or part of the name
    province: str | None = None
    police_unit: str | None = None
    participating: bool | None = None
    active_only: bool = False


def search(viewer: User, search: Search, page: int = 1) -> tuple[list[tuple[School, bool]], int]:
    """A page of locations and whether each participates, with the total count. A board admin
    sees only their board's locations."""
    if viewer.role not in SCHOOL_READERS:
        raise PermissionDenied("you may not search the school registry")
    participating = participating_clause()
    conditions = _conditions(viewer, search, participating)
    total = db.session.scalar(select(func.count()).select_from(School).where(*conditions)) or 0
    rows = db.session.execute(
        select(School, participating.label("participating"))
        .where(*conditions)
        .options(selectinload(School.board))
        .order_by(School.name, School.code)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return [(school, bool(flag)) for school, flag in rows], total


def _conditions(
    viewer: User, search: Search, participating: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if viewer.role == Role.BOARD_ADMIN:
        conditions.append(School.board_id == viewer.board_id)
    if search.active_only:
        conditions.append(School.active.is_(True))
    if search.text:
        pattern = f"%{search.text.lower()}%"
        conditions.append(
            or_(func.lower(School.name).like(pattern), School.code == search.text.upper())
        )
    if search.municipality:
        names = select(Municipality.code).where(
            func.lower(Municipality.name).like(f"%{search.municipality.lower()}%")
        )
        conditions.append(
            or_(
                School.municipality_code == search.municipality.upper(),
                School.municipality_code.in_(names),
            )
        )
    if search.province:
        conditions.append(School.province_code == search.province)
    if search.police_unit:
        conditions.append(School.police_unit_code == search.police_unit)
    if search.participating is not None:
        conditions.append(participating if search.participating else ~participating)
    return conditions

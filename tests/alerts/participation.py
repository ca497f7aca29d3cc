"""Participation and the confidentiality statement for alert tests, through the consent services
(a board admin grants, staff accept), the way the product does it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.consent import agreements, participation, terms
from schoolalert.consent.models import TermsKind
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


def current_version(kind: TermsKind) -> int:
    """The current version of ``kind``, publishing a first one when there is none."""
    version = terms.current_version(kind) or terms.publish(
        None, kind, f"The {kind.value} terms of the test suite.", requires_reacceptance=True
    )
    return version.version


def board_admin(board: Board) -> User:
    admin = db.session.scalar(
        select(User).where(User.role == Role.BOARD_ADMIN, User.board_id == board.id)
    )
    if admin is None:
        admin = User(
            email=f"bestuur{board.id}@school.example",
            name="Bestuur",
            role=Role.BOARD_ADMIN,
            board_id=board.id,
        )
        db.session.add(admin)
        db.session.flush()
    return admin


def grant(app: Flask, school: Any) -> None:
    with app.app_context():
        row = db.session.get(School, school.id)
        participation.grant(
            board_admin(row.board),
            row.board,
            schools=[row.code],
            terms_version=current_version(TermsKind.PARTICIPATION),
        )
        db.session.commit()


def withdraw(app: Flask, school: Any) -> None:
    with app.app_context():
        row = db.session.get(School, school.id)
        participation.withdraw_school(board_admin(row.board), row.board, row.code)
        db.session.commit()


def accept_statement(app: Flask, user: Any) -> None:
    with app.app_context():
        version = current_version(TermsKind.CONFIDENTIALITY)
        agreements.accept_statement(db.session.get(User, user.id), version)
        db.session.commit()

"""Boards as the actor may see them: any for an administrator, their own for a board admin."""

from __future__ import annotations

from sqlalchemy import select

from schoolalert.accounts.models import User
from schoolalert.accounts.roles import Role
from schoolalert.errors import NotFound, PermissionDenied
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


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

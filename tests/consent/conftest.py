"""Fixtures for consent: terms versions, a board with locations and its admin, staff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from schoolalert.accounts.models import User
from schoolalert.consent import agreements, participation, terms
from schoolalert.consent.models import TermsKind
from schoolalert.events import Event
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


@dataclass
class BoardSetup:
    board: Board
    schools: list[School]
    admin: User


@pytest.fixture
def publish(app: Flask) -> Callable[..., int]:
    """``publish("participation", requires_reacceptance=True)``: the new version's number."""

    def make(kind: str = "participation", *, requires_reacceptance: bool = True) -> int:
        with app.app_context():
            version = terms.publish(
                None,
                TermsKind(kind),
                f"The {kind} terms.\nSecond line.",
                requires_reacceptance=requires_reacceptance,
            )
            db.session.commit()
            return version.version

    return make


@pytest.fixture
def make_board_setup(make_board, make_school, make_user) -> Callable[..., BoardSetup]:
    """A board with ``count`` active locations and its board admin (detached rows)."""

    def make(count: int = 3, **board_fields: Any) -> BoardSetup:
        board = make_board(**board_fields)
        schools = [make_school(board) for _ in range(count)]
        return BoardSetup(board, schools, make_user("board_admin", board_id=board.id))

    return make


@pytest.fixture
def setup(make_board_setup) -> BoardSetup:
    return make_board_setup()


@pytest.fixture
def act(app: Flask) -> Callable[..., Any]:
    """``act(service, actor, board, …)``: call a consent service as ``actor`` and commit."""

    def call(service: Callable[..., Any], actor: User, board: Board, *args: Any, **kwargs: Any):
        with app.app_context():
            result = service(
                db.session.get(User, actor.id), db.session.get(Board, board.id), *args, **kwargs
            )
            db.session.commit()
            return result

    return call


@pytest.fixture
def participating(app: Flask) -> Callable[[list[School]], list[bool]]:
    """Whether each location participates now, by :func:`school_participates`."""

    def check(schools: list[School]) -> list[bool]:
        with app.app_context():
            return [participation.school_participates(school.id) for school in schools]

    return check


@pytest.fixture
def events(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """The events delivered through the plugin manager from now on."""
    seen: list[Event] = []
    manager = app.extensions["schoolalert.plugins"]
    original = manager.track_event

    def track(event: Event) -> None:
        seen.append(event)
        original(event)

    monkeypatch.setattr(manager, "track_event", track)
    return seen


@pytest.fixture
def accept(app: Flask) -> Callable[[User, int], None]:
    """Staff accept a confidentiality statement version."""

    def call(user: User, version: int) -> None:
        with app.app_context():
            agreements.accept_statement(db.session.get(User, user.id), version)
            db.session.commit()

    return call

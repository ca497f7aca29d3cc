"""Terms versions, participation state and its append-only history, staff agreements.

Participation state is kept in two small tables that say what is in force now: a board-wide
grant per board (covering every current and future location) and a row per location that either
grants that location or withdraws it from the board-wide grant. Every change is also appended to
``participation_changes``, which is never updated or deleted (the consent register).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schoolalert.accounts.models import User
from schoolalert.database import str_enum, utcnow
from schoolalert.extensions import db
from schoolalert.schools.models import Board, School


class TermsKind(StrEnum):
    PARTICIPATION = "participation"  # accepted by a board admin for the board's locations
    CONFIDENTIALITY = "confidentiality"  # accepted by each staff member before the first view


class TermsVersion(db.Model):
    """A published text. A version with ``requires_reacceptance`` voids every acceptance of an
    older version of the same kind; one without it leaves them valid."""

    __tablename__ = "terms_versions"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TermsKind] = mapped_column(str_enum(TermsKind))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    requires_reacceptance: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class BoardParticipation(db.Model):
    """A board-wide grant in force: all current and future locations of the board."""

    __tablename__ = "board_participations"

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), primary_key=True)
    terms_version_id: Mapped[int] = mapped_column(ForeignKey("terms_versions.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    terms_version: Mapped[TermsVersion] = relationship()


class SchoolParticipation(db.Model):
    """A location's own state: ``granted`` (a location-level grant under a terms version) or
    not (withdrawn from the board-wide grant). No row: the location follows its board."""

    __tablename__ = "school_participations"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    granted: Mapped[bool]
    terms_version_id: Mapped[int | None] = mapped_column(ForeignKey("terms_versions.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    terms_version: Mapped[TermsVersion | None] = relationship()


class ConsentAction(StrEnum):
    GRANT = "grant"
    WITHDRAW = "withdraw"


class ParticipationChange(db.Model):
    """One grant or withdrawal, kept for good (who, when, which terms version, which scope).

    ``school_id`` is None for the whole board. A withdrawal carries the terms version of the
    grant it ended, where there was one.
    """

    __tablename__ = "participation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    action: Mapped[ConsentAction] = mapped_column(str_enum(ConsentAction, length=10))
    terms_version_id: Mapped[int | None] = mapped_column(ForeignKey("terms_versions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    board: Mapped[Board] = relationship()
    school: Mapped[School | None] = relationship()
    terms_version: Mapped[TermsVersion | None] = relationship()
    actor: Mapped[User | None] = relationship()


class ExerciseOptIn(db.Model):
    """A location whose board admin opted it in to exercise alerts (separate from
    participation: an exercise reaches a location only with both)."""

    __tablename__ = "exercise_opt_ins"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    opted_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    opted_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ExerciseChange(db.Model):
    """One opt-in to or opt-out of exercises for a location, kept for good."""

    __tablename__ = "exercise_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    action: Mapped[ConsentAction] = mapped_column(str_enum(ConsentAction, length=10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    school: Mapped[School] = relationship()


class StaffAgreement(db.Model):
    """A staff member read the briefing and accepted a confidentiality statement version."""

    __tablename__ = "staff_agreements"
    __table_args__ = (UniqueConstraint("user_id", "terms_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    terms_version_id: Mapped[int] = mapped_column(ForeignKey("terms_versions.id"))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    terms_version: Mapped[TermsVersion] = relationship()


class HistoryIsAppendOnly(RuntimeError):
    pass


def _refuse_change(*_args: Any) -> None:
    raise HistoryIsAppendOnly("consent history and agreements are never changed or deleted")


for _model in (ParticipationChange, ExerciseChange, StaffAgreement, TermsVersion):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
